package dev.steward.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * The fields in which two run specs differ, in a fixed order, for a deploy's plan. Variables are
 * compared by name and value but reported by name only ({@code vars.NAME}: added, changed,
 * removed): a plan is printed in build logs, and a variable may hold what a log must not show.
 */
public final class RunSpecDiff {
    /** The longest value a change quotes; longer ones are cut with a note of their length. */
    static final int MAX_QUOTED = 200;

    private RunSpecDiff() {
    }

    /** What changes from {@code from} (null: nothing ran) to {@code to}; empty when they are equal. */
    public static List<DeployPlan.FieldChange> between(RunSpec from, RunSpec to) {
        List<DeployPlan.FieldChange> out = new ArrayList<>();
        field(out, "packageDigest", from, to, RunSpec::packageDigest);
        field(out, "command", from, to, RunSpec::command);
        field(out, "args", from, to, RunSpec::args);
        field(out, "cpus", from, to, RunSpec::cpus);
        field(out, "memory", from, to, RunSpec::memory);
        field(out, "disk", from, to, RunSpec::disk);
        field(out, "ports", from, to, RunSpec::ports);
        vars(out, from == null ? null : from.vars(), to.vars());
        secrets(out, from == null ? null : from.secrets(), to.secrets());
        field(out, "healthCheck", from, to, RunSpec::healthCheck);
        field(out, "constraints", from, to, RunSpec::constraints);
        field(out, "restart", from, to, RunSpec::restart);
        return out;
    }

    /**
     * The changes in one line, as a deployment's event says them: {@code packageDigest
     * sha256:0a1b2c3d4e5f -> sha256:9f8e7d6c5b4a; ports [http] -> (none)}, a package digest cut to
     * its first 12 hex digits as {@code steward history} shows it (the revision keeps it whole).
     */
    public static String summary(List<DeployPlan.FieldChange> changes) {
        StringBuilder b = new StringBuilder();
        for (DeployPlan.FieldChange c : changes) {
            boolean digest = c.field().equals("packageDigest");
            b.append(b.length() == 0 ? "" : "; ").append(c.field()).append(' ').append(shown(c.from(), digest)).append(" -> ").append(shown(c.to(), digest));
        }
        return b.toString();
    }

    private static String shown(String v, boolean digest) {
        return v == null ? "(none)" : digest && v.startsWith("sha256:") && v.length() > 19 ? v.substring(0, 19) : v;
    }

    private static void field(List<DeployPlan.FieldChange> out, String name, RunSpec from, RunSpec to, Function<RunSpec, Object> get) {
        Object a = from == null ? null : get.apply(from);
        Object b = get.apply(to);
        if (!Objects.equals(empty(a), empty(b))) {
            out.add(new DeployPlan.FieldChange(name, quote(a), quote(b)));
        }
    }

    /** An empty list or map is the same as none. */
    private static Object empty(Object v) {
        return v instanceof java.util.Collection<?> c && c.isEmpty() || v instanceof Map<?, ?> m && m.isEmpty() ? null : v;
    }

    /** Variables by name: added, changed or removed, never their values. */
    private static void vars(List<DeployPlan.FieldChange> out, Map<String, String> from, Map<String, String> to) {
        byName(out, "vars.", from, to, (before, after) -> before == null ? null : "(set)",
                (before, after) -> after == null ? null : before == null ? "(set)" : "(changed)");
    }

    /** Secrets by name, with the version each runs with ({@code version 2}): a version is no secret, and it says the value was set again. */
    private static void secrets(List<DeployPlan.FieldChange> out, Map<String, Integer> from, Map<String, Integer> to) {
        byName(out, "secrets.", from, to, (before, after) -> before == null ? null : "version " + before,
                (before, after) -> after == null ? null : "version " + after);
    }

    /** One change per name whose value differs between {@code from} and {@code to}, each side shown as {@code show} says (from the two values). */
    private static <V> void byName(List<DeployPlan.FieldChange> out, String prefix, Map<String, V> from, Map<String, V> to,
                                   java.util.function.BiFunction<V, V, String> showBefore, java.util.function.BiFunction<V, V, String> showAfter) {
        Map<String, V> a = from == null ? Map.of() : from;
        Map<String, V> b = to == null ? Map.of() : to;
        TreeSet<String> names = new TreeSet<>(a.keySet());
        names.addAll(b.keySet());
        for (String n : names) {
            V va = a.get(n);
            V vb = b.get(n);
            if (!Objects.equals(va, vb)) {
                out.add(new DeployPlan.FieldChange(prefix + n, showBefore.apply(va, vb), showAfter.apply(va, vb)));
            }
        }
    }

    /** A record as {@code {name=value, ...}} without its unset fields; lists element by element; anything else by its own text. */
    static String render(Object v) {
        if (v instanceof Record r) {
            StringBuilder b = new StringBuilder("{");
            for (java.lang.reflect.RecordComponent c : r.getClass().getRecordComponents()) {
                Object x;
                try {
                    x = c.getAccessor().invoke(r);
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
                if (empty(x) != null) {
                    b.append(b.length() > 1 ? ", " : "").append(c.getName()).append('=').append(render(x));
                }
            }
            return b.append('}').toString();
        }
        if (v instanceof java.util.Collection<?> c) {
            StringBuilder b = new StringBuilder("[");
            for (Object x : c) {
                b.append(b.length() > 1 ? ", " : "").append(render(x));
            }
            return b.append(']').toString();
        }
        return String.valueOf(v);
    }

    private static String quote(Object v) {
        v = empty(v);
        if (v == null) {
            return null;
        }
        String s = render(v);
        return s.length() <= MAX_QUOTED ? s : s.substring(0, MAX_QUOTED) + "... (" + s.length() + " characters)";
    }
}
