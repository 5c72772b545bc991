package dev.steward.cli;

import dev.steward.api.DeployPlan;

import java.io.PrintStream;
import java.util.Comparator;
import java.util.Map;

/**
 * A deploy's plan as {@code steward deploy --dry-run} prints it: the sentence, then the fields
 * that change, then, when some instances would find no room, why agents turned the first of
 * them down (most agents first).
 *
 * <pre>
 * would deploy revision 2 of web/prod (3 instances, rolling); supersedes deployment 4f2c... (revision 1, running); all 3 instances find room now
 *   packageDigest  sha256:aaaa... -&gt; sha256:bbbb...
 *   memory         1g -&gt; 2g
 *   vars.DB_URL    (set) -&gt; (changed)
 * </pre>
 */
final class PlanText {
    private PlanText() {
    }

    static void print(DeployPlan p, PrintStream out) {
        out.println(p.message());
        int width = "instances".length();
        for (DeployPlan.FieldChange c : p.changes()) {
            width = Math.max(width, c.field().length());
        }
        for (DeployPlan.FieldChange c : p.changes()) {
            out.printf("  %-" + width + "s  %s -> %s%n", c.field(), shown(c.from()), shown(c.to()));
        }
        if (p.instancesFrom() != p.instancesTo()) {
            out.printf("  %-" + width + "s  %d -> %d%n", "instances", p.instancesFrom(), p.instancesTo());
        }
        DeployPlan.Placement room = p.placement();
        if (room != null && room.fit() < room.tried() && !room.rejections().isEmpty()) {
            out.println("why agents turned down instance " + (room.fit() + 1) + ":");
            room.rejections().entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue(Comparator.reverseOrder())
                    .thenComparing(Map.Entry.comparingByKey())).forEach(e -> out.printf("  %s: %s%n", dev.steward.api.Units.count(e.getValue(), "agent"), e.getKey()));
        }
    }

    private static String shown(String v) {
        return v == null ? "(none)" : v;
    }
}
