package dev.steward.allocator.deploy;

import dev.steward.api.DeployRequest;
import dev.steward.api.RunSpec;
import dev.steward.api.Units;
import dev.steward.api.Validation;
import dev.steward.api.ValidationException;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a promotion's request may say about what runs. A promotion runs exactly the source
 * environment's stable revision, so each field of the run spec it gives (package, command, args,
 * resources, ports, variables, health check, constraints, restart policy) must be what runs there,
 * and of secrets only names it runs (some or all). One that differs is refused, naming the field,
 * rather than dropped without a word (a pipeline that promoted with other variables would believe
 * it had set them). Giving the same value is allowed, so a pipeline may pass the same arguments
 * to every stage. Pure.
 */
final class Promotions {
    private Promotions() {
    }

    /** Refuses, naming the field, a run-spec field of {@code req} that differs from {@code source}, the stable revision of {@code from}. */
    static void check(DeployRequest req, RunSpec source, String from) {
        if (req.packageDigest() != null && !req.packageDigest().equals(source.packageDigest())) {
            throw differs("packageDigest", req.packageDigest(), source.packageDigest(), from);
        }
        if (req.command() != null && !req.command().equals(source.command())) {
            throw differs("command", "'" + req.command() + "'", source.command() == null ? "the package's command" : "'" + source.command() + "'", from);
        }
        if (given(req.args()) && !req.args().equals(source.args())) {
            throw differs("args", req.args(), source.args() == null ? "none" : source.args(), from);
        }
        if (req.cpus() != null && (source.cpus() == null || Units.cpuMillis("cpus", req.cpus()) != Units.cpuMillis("cpus", source.cpus()))) {
            throw differs("cpus", req.cpus(), orDefault(source.cpus()), from);
        }
        if (req.memory() != null && (source.memory() == null || Units.mebibytes("memory", req.memory()) != Units.mebibytes("memory", source.memory()))) {
            throw differs("memory", req.memory(), orDefault(source.memory()), from);
        }
        if (req.disk() != null && (source.disk() == null || Units.mebibytes("disk", req.disk()) != Units.mebibytes("disk", source.disk()))) {
            throw differs("disk", req.disk(), orDefault(source.disk()), from);
        }
        if (given(req.ports()) && !new TreeSet<>(Validation.portNames(req.ports())).equals(names(source.ports()))) {
            throw differs("ports", req.ports(), source.ports() == null ? "none" : source.ports(), from);
        }
        if (req.vars() != null && !req.vars().isEmpty() && !Validation.variables("vars", req.vars()).equals(orEmpty(source.vars()))) {
            throw differs("vars", null, source.vars() == null ? "no variables" : "variables " + source.vars().keySet(), from);
        }
        // secrets: names the source runs pass, some or all (the deploy step names those it sets from Jenkins credentials); another is refused
        Set<String> runs = source.secrets() == null ? Set.of() : source.secrets().keySet();
        if (given(req.secrets()) && !runs.containsAll(req.secrets())) {
            TreeSet<String> other = new TreeSet<>(req.secrets());
            other.removeAll(runs);
            throw refused("secrets", "names " + other + " but " + from + " runs " + (runs.isEmpty() ? "none" : new TreeSet<>(runs)));
        }
        if (req.healthCheck() != null && !req.healthCheck().equals(source.healthCheck())) {
            throw differs("healthCheck", null, source.healthCheck() == null ? "no health check" : "a health check of type " + source.healthCheck().type(), from);
        }
        if (given(req.constraints()) && !req.constraints().equals(source.constraints())) {
            throw differs("constraints", null, source.constraints() == null ? "no constraints" : Units.count(source.constraints().size(), "constraint"), from);
        }
        if (req.restart() != null && !Objects.equals(req.restart(), source.restart())) {
            throw differs("restart", null, source.restart() == null ? "the default restart policy" : "a restart policy of its own", from);
        }
    }

    private static ValidationException differs(String field, Object asked, Object runs, String from) {
        return refused(field, asked == null ? "differs from what " + from + " runs (" + runs + ")" : "is " + asked + " but " + from + " runs " + runs);
    }

    private static ValidationException refused(String field, String what) {
        return new ValidationException(field, what + "; a promotion takes exactly what runs there (leave " + field + " out, or deploy a package to change it)");
    }

    private static boolean given(List<?> l) {
        return l != null && !l.isEmpty();
    }

    private static Set<String> names(List<String> l) {
        return l == null ? Set.of() : new TreeSet<>(l);
    }

    private static Map<String, String> orEmpty(Map<String, String> m) {
        return m == null ? Map.of() : m;
    }

    private static String orDefault(String v) {
        return v == null ? "the default" : v;
    }
}
