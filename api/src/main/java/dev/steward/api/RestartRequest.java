package dev.steward.api;

/**
 * The body of {@code POST /v1/services/{app}/{env}/restart} (and {@code .../restart/plan}), all
 * optional: a rolling restart replaces every instance of the service with a fresh one of the
 * same package and config, as {@code kubectl rollout restart} does, health-gated as a deploy is.
 * It rolls out as the service's last deployment did, as a rollback does ({@link
 * RolloutSpec#forRollback}: rolling with the service's bounds, a recreate stays one); {@code
 * maxSurge} and {@code maxUnavailable} (a count or a percentage) override its bounds for this
 * restart alone. {@code reason} (one line, at most {@value #MAX_REASON} characters) goes into the
 * deployment's first event; {@code actor} is recorded on the revision as a deploy's is.
 */
public record RestartRequest(String reason, String maxSurge, String maxUnavailable, String actor) {
    /** At most this many characters in {@code reason}. */
    public static final int MAX_REASON = 256;

    /** Checks {@code reason} and {@code actor}: one line of plain text each, bounded. */
    public RestartRequest check() {
        ControlChars.label("reason", reason, MAX_REASON);
        ControlChars.label("actor", actor, DeployRequest.MAX_ACTOR);
        return this;
    }

    /** Whether it overrides the rollout's bounds. */
    public boolean overridesBounds() {
        return maxSurge != null || maxUnavailable != null;
    }
}
