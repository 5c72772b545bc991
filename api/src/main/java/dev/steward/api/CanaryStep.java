package dev.steward.api;

/**
 * One step of a canary: run {@code weight} of the instances on the new revision (a percentage
 * such as {@code "20%"}, rounded up and at least 1, or a count such as {@code "2"}), then
 * {@code pause} (a duration, or {@code "promote"}/absent-with-no-duration to wait until promoted),
 * then, if named, pass the monitor {@code gate}.
 */
public record CanaryStep(String weight, String pause, String gate) {

    /** Instances of {@code total} this step runs on the new revision. */
    public int count(int total) {
        return RolloutSpec.amount("weight", weight, total, true, 1);
    }

    /** True when the step waits for a promote rather than a duration. */
    public boolean untilPromoted() {
        return pause != null && (pause.equalsIgnoreCase("promote") || pause.equalsIgnoreCase("until-promoted") || pause.equalsIgnoreCase("manual"));
    }

    public java.time.Duration pauseDuration() {
        return pause == null || untilPromoted() ? java.time.Duration.ZERO : Units.duration("pause", pause);
    }
}
