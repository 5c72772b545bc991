package dev.steward.allocator.deploy;

import dev.steward.api.Constraint;
import dev.steward.api.DeployRequest;
import dev.steward.api.HealthCheck;
import dev.steward.api.RestartPolicy;
import dev.steward.api.RunSpec;
import dev.steward.api.ValidationException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** A promotion's request against the source's run spec: a field that differs is refused by name; the same value, or none, passes. */
class PromotionsTest {
    private static final String DIGEST = "sha256:" + "a".repeat(64);
    private static final HealthCheck CHECK = new HealthCheck("http", "/healthz", "http", null, "1s", null, null, null);
    private static final RunSpec SOURCE = new RunSpec(DIGEST, "exec ./web", List.of("--quiet"), "0.5", "1g", null, List.of("http", "admin"),
            Map.of("MODE", "live"), CHECK, List.of(Constraint.eq("os", "linux")), RestartPolicy.DEFAULT, Map.of("db-password", 3));

    /** A promotion request with every field null but those {@code edit} sets. */
    private static DeployRequest promotion(UnaryOperator<Object[]> edit) {
        Object[] f = new Object[28];
        f[24] = "staging";
        f = edit.apply(f);
        @SuppressWarnings("unchecked")
        DeployRequest r = new DeployRequest((String) f[0], (String) f[1], (List<String>) f[2], (Integer) f[3], (String) f[4], (String) f[5], (String) f[6],
                (List<String>) f[7], (Map<String, String>) f[8], (List<String>) f[9], (HealthCheck) f[10], (List<Constraint>) f[11], (RestartPolicy) f[12],
                (String) f[13], null, null, null, null, null, null, null, null, null, null, (String) f[24], null, null, null);
        return r;
    }

    private static UnaryOperator<Object[]> set(int i, Object v) {
        return f -> {
            f[i] = v;
            return f;
        };
    }

    @Test
    void nothing_but_the_source_and_the_rollout_passes() {
        assertThatCode(() -> Promotions.check(promotion(set(3, 7)), SOURCE, "web/staging")).doesNotThrowAnyException();
        assertThatCode(() -> Promotions.check(promotion(set(13, "canary")), SOURCE, "web/staging")).doesNotThrowAnyException();
    }

    @Test
    void the_same_values_in_other_words_pass() {
        Object[][] same = {
            {0, DIGEST}, {1, "exec ./web"}, {2, List.of("--quiet")}, {4, "500m"}, {5, "1024m"}, {7, List.of("admin", "http")},
            {8, Map.of("MODE", "live")}, {9, List.of("db-password")}, {9, List.of()}, {10, CHECK}, {11, List.of(Constraint.eq("os", "linux"))}, {12, RestartPolicy.DEFAULT},
            {2, List.of()}, {7, List.of()}, {8, Map.of()}, {9, List.of()}, {11, List.of()}, // empty is not given, as a run spec's normal form has it
        };
        for (Object[] s : same) {
            assertThatCode(() -> Promotions.check(promotion(set((Integer) s[0], s[1])), SOURCE, "web/staging")).as("field %s = %s", s[0], s[1])
                    .doesNotThrowAnyException();
        }
    }

    @Test
    void each_field_that_differs_is_refused_by_name_with_what_runs_there() {
        Object[][] differs = {
            {0, "sha256:" + "b".repeat(64), "packageDigest", "runs " + DIGEST}, {1, "exec ./other", "command", "runs 'exec ./web'"},
            {2, List.of("--loud"), "args", "runs [--quiet]"}, {4, "1", "cpus", "runs 0.5"}, {5, "2g", "memory", "runs 1g"},
            {6, "10g", "disk", "runs the default"}, {7, List.of("http"), "ports", "runs [http, admin]"},
            {8, Map.of("MODE", "test"), "vars", "differs from what web/staging runs (variables [MODE])"}, {9, List.of("api-key", "db-password"), "secrets", "names [api-key] but web/staging runs [db-password]"},
            {10, new HealthCheck("tcp", null, "http", null, null, null, null, null), "healthCheck", "differs from what web/staging runs (a health check of type http)"},
            {11, List.of(Constraint.distinct()), "constraints", "differs from what web/staging runs (1 constraint)"},
            {12, new RestartPolicy(5, "30m", "1s", "fail", false), "restart", "differs from what web/staging runs (a restart policy of its own)"},
        };
        for (Object[] d : differs) {
            ValidationException e = catchThrowableOfType(() -> Promotions.check(promotion(set((Integer) d[0], d[1])), SOURCE, "web/staging"),
                    ValidationException.class);
            assertThat(e).as("field %s = %s", d[2], d[1]).isNotNull();
            assertThat(e.field()).isEqualTo(d[2]);
            assertThat(e.getMessage()).contains(d[3].toString().startsWith("differs") || d[3].toString().startsWith("names") ? d[3].toString() : "but web/staging " + d[3]).contains("a promotion takes exactly what runs there (leave " + d[2] + " out");
        }
    }

    @Test
    void a_source_without_the_field_refuses_any_value_of_it() {
        RunSpec bare = new RunSpec(DIGEST, null, null, null, null, null, null, null, null, null, null, null);
        for (Object[] d : new Object[][] {{1, "exec ./web", "command"}, {4, "0.5", "cpus"}, {7, List.of("http"), "ports"}, {8, Map.of("A", "1"), "vars"},
            {9, List.of("x"), "secrets"}, {10, CHECK, "healthCheck"}, {12, RestartPolicy.DEFAULT, "restart"}}) {
            ValidationException e = catchThrowableOfType(() -> Promotions.check(promotion(set((Integer) d[0], d[1])), bare, "web/staging"),
                    ValidationException.class);
            assertThat(e).as("field %s", d[2]).isNotNull();
            assertThat(e.field()).isEqualTo(d[2]);
        }
    }
}
