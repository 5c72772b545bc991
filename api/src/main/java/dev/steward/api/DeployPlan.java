package dev.steward.api;

import java.util.List;
import java.util.Map;

/**
 * What a deploy would do, worked out by the allocator with the same checks as the deploy itself
 * and nothing changed ({@code POST /v1/services/APP/ENV/plan}, {@code steward deploy --dry-run}),
 * as {@code nomad job plan} or {@code kubectl apply --dry-run=server --diff} say before a release:
 * whether it makes the service, a new revision, a scale or nothing; the run spec's fields that
 * change against what the service targets now; what becomes of a deployment under way; and
 * whether the instances it would start find room now.
 *
 * <p>A deploy that would be refused is refused here too, with the same status and reason. The
 * plan is a snapshot: the real deploy decides again against the state it meets.
 *
 * @param revision     the revision that would run (a new number, or the one that runs already)
 * @param fromRevision the revision the service targets now (null for a new service)
 * @param changes      the run spec's fields that differ; variables by name only, their values are not shown
 * @param deployment   what becomes of a deployment under way (superseded, queued behind), or null when none runs
 * @param placement    whether the instances it would start find room now (null when it starts none)
 */
public record DeployPlan(String service, Action action, Integer revision, Integer fromRevision, int instancesFrom, int instancesTo,
                         List<FieldChange> changes, String strategy, String deployment, Placement placement, String message) {

    /** What the deploy would make. */
    public enum Action {
        /** A new service and its first revision. */
        CREATE,
        /** A new revision of the service, rolled out by a deployment. */
        NEW_REVISION,
        /** A new revision with the package and config of the one that runs: every instance replaced by a fresh one. */
        RESTART,
        /** The same revision, another number of instances. */
        SCALE,
        /**
         * The same revision and number of instances, deployed again: the service's last
         * deployment failed or was aborted, so the deploy follows a new one to its end.
         */
        RETRY,
        /** Nothing: the same package, config and number of instances run, or roll out, already. */
        NONE
    }

    /** One field of the run spec: its value now and after ({@code null}: not set). */
    public record FieldChange(String field, String from, String to) {
    }

    /**
     * Whether the instances the deploy would start find room now, placed one after the other on
     * what is free (running instances keep theirs, other tenants' pending requests are not counted),
     * or on the room of preemptible allocations of a lower priority than the service's where
     * nothing else fits, as the scheduler would take it; at most {@code tried} of the {@code needed}.
     *
     * @param fit        how many of those tried found an agent
     * @param heldBy     a role-level reason (the role's limit, others' guarantees) that would hold them back, or null
     * @param rejections for the first that found none: why agents turned it down, counted
     * @param partial    a {@code regex} constraint was not run on every agent (its per-pass reading ran out): a failure may be no failure
     * @param preempted  how many preemptible allocations of a lower priority those that fit would end (0: none)
     */
    public record Placement(int needed, int tried, int fit, String heldBy, Map<String, Integer> rejections, boolean partial, int preempted) {

        /** A placement that preempts no one. */
        public Placement(int needed, int tried, int fit, String heldBy, Map<String, Integer> rejections, boolean partial) {
            this(needed, tried, fit, heldBy, rejections, partial, 0);
        }
    }
}
