package dev.steward.steps;

import dev.steward.api.DeployPlan;
import dev.steward.api.DeployRequest;
import dev.steward.client.StewardClient;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A deploy's plan, for {@code deploy ... dryRun: true} and {@code steward deploy --dry-run}: the
 * allocator works it out with the deploy's own checks and changes nothing ({@code POST
 * /v1/services/APP/ENV/plan}). Its lines are the sentence, the fields that change, and, when
 * some instances would find no room, why agents turned the first of them down (most agents
 * first):
 *
 * <pre>
 * would deploy revision 2 of web/prod (3 instances, rolling); supersedes deployment 4f2c... (revision 1, running); all 3 instances find room now
 *   packageDigest  sha256:aaaa... -&gt; sha256:bbbb...
 *   memory         1g -&gt; 2g
 *   vars.DB_URL    (set) -&gt; (changed)
 * </pre>
 *
 * A step returns {@link #result}: plain maps, lists, strings, numbers and booleans, which a
 * Pipeline script reads as it reads any step's result ({@code plan.action}, {@code plan.fits}).
 */
public final class DeployPlanRun {
    private DeployPlanRun() {
    }

    /** Asks for the plan, writes its lines to {@code listener}, and returns it. */
    public static DeployPlan plan(StewardClient client, String app, String env, DeployRequest req, StepListener listener) throws IOException {
        return logged(client.deployments().plan(app, env, req), listener);
    }

    /** As {@link #plan}, for a rollback to revision {@code to} (null: back from what runs): {@code rollbackService ... dryRun: true}. */
    public static DeployPlan planRollback(StewardClient client, String app, String env, Integer to, StepListener listener) throws IOException {
        return logged(client.deployments().planRollback(app, env, to), listener);
    }

    /** As {@link #plan}, for a rolling restart: {@code restartService ... dryRun: true}. */
    public static DeployPlan planRestart(StewardClient client, String app, String env, dev.steward.api.RestartRequest req, StepListener listener)
            throws IOException {
        return logged(client.deployments().planRestart(app, env, req), listener);
    }

    private static DeployPlan logged(DeployPlan p, StepListener listener) {
        for (String line : lines(p)) {
            listener.line("steward: " + line);
        }
        return p;
    }

    /** The plan as lines of text. */
    public static List<String> lines(DeployPlan p) {
        List<String> out = new ArrayList<>();
        out.add((p.message()));
        List<DeployPlan.FieldChange> changes = new ArrayList<>(p.changes());
        if (p.instancesFrom() != p.instancesTo()) {
            changes.add(new DeployPlan.FieldChange("instances", Integer.toString(p.instancesFrom()), Integer.toString(p.instancesTo())));
        }
        out.addAll(changeLines(changes));
        DeployPlan.Placement room = p.placement();
        if (room != null && room.fit() < room.tried() && !room.rejections().isEmpty()) {
            out.add("why agents turned down instance " + (room.fit() + 1) + ":");
            room.rejections().entrySet().stream().sorted(Map.Entry.<String, Integer>comparingByValue(Comparator.reverseOrder())
                    .thenComparing(Map.Entry.comparingByKey())).forEach(e -> out.add("  " + dev.steward.api.Units.count(e.getValue(), "agent") + ": " + e.getKey()));
        }
        return out;
    }

    /**
     * The plan as a step's result: {@code action} (CREATE, NEW_REVISION, RESTART, SCALE, RETRY, NONE), {@code
     * revision}, {@code fromRevision}, {@code instancesFrom}, {@code instancesTo}, {@code changes}
     * (each {@code field}, {@code from}, {@code to}), {@code strategy}, {@code deployment}, {@code
     * message}, and {@code fits}: whether every instance tried found room with nothing at the
     * role's level holding them back (true when it starts none).
     */
    public static Map<String, Object> result(DeployPlan p) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("service", p.service());
        out.put("action", p.action().name());
        out.put("revision", p.revision());
        out.put("fromRevision", p.fromRevision());
        out.put("instancesFrom", p.instancesFrom());
        out.put("instancesTo", p.instancesTo());
        List<Object> changes = new ArrayList<>();
        for (DeployPlan.FieldChange c : p.changes()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("field", c.field());
            m.put("from", c.from());
            m.put("to", c.to());
            changes.add(m);
        }
        out.put("changes", changes);
        out.put("strategy", p.strategy());
        out.put("deployment", p.deployment());
        DeployPlan.Placement room = p.placement();
        out.put("fits", room == null || room.fit() == room.tried() && room.heldBy() == null);
        out.put("message", p.message());
        return out;
    }

    /** One line per change, its field's name padded to the longest ({@code instances} at least): {@code   memory     1g -> 2g}. */
    public static List<String> changeLines(List<DeployPlan.FieldChange> changes) {
        int width = "instances".length();
        for (DeployPlan.FieldChange c : changes) {
            width = Math.max(width, c.field().length());
        }
        List<String> out = new ArrayList<>();
        for (DeployPlan.FieldChange c : changes) {
            out.add(String.format("  %-" + width + "s  %s -> %s", c.field(), shown(c.from()), shown(c.to())));
        }
        return out;
    }

    private static String shown(String v) {
        return v == null ? "(none)" : v;
    }
}
