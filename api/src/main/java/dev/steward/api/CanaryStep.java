package dev.steward.api;

/**
 * One step of a canary: run {@code weight} of the instances on the new revision (a percentage
 * such as {@code "20%"}, rounded up and at least 1, or a count such as {@code "2"}), then
 * {@code pause} (a duration, or {@code "promote"} to wait until promoted). With a {@code gate}
 * (monitor gates separated by {@code ;}, e.g. {@code "error-rate < 1%; p99 < 300ms"}), the pause is
 * the time a monitor watches the service: pass goes on, fail rolls back, inconclusive waits for a
 * promote or an abort.
 */
public record CanaryStep(String weight, String pause, String gate) {

    /**
     * A step as the CLI's {@code --step} and the Jenkins step's {@code steps} write it:
     * {@code WEIGHT[:PAUSE[:GATES]]}, e.g. {@code 25%}, {@code 25%:30s}, {@code 50%:promote},
     * {@code 10%:5m:error-rate < 1%; p99 < 300ms}. Empty parts are absent; the fields are checked
     * where the rollout is validated.
     */
    public static CanaryStep parse(String text) {
        if (text == null || text.isBlank()) {
            throw new ValidationException("steps", "a step is WEIGHT[:PAUSE[:GATES]], e.g. '25%:30s' or '50%:5m:error-rate < 1%'; got an empty one");
        }
        String[] f = text.split(":", 3);
        return new CanaryStep(f[0].trim(), part(f, 1), part(f, 2));
    }

    private static String part(String[] f, int i) {
        return f.length > i && !f[i].isBlank() ? f[i].trim() : null;
    }

    /** Instances of {@code total} this step runs on the new revision. */
    public int count(int total) {
        return RolloutSpec.amount("weight", weight, total, true, 1);
    }

    /** True when the step waits for a promote rather than a duration. */
    public boolean untilPromoted() {
        return pause != null && (pause.equalsIgnoreCase("promote") || pause.equalsIgnoreCase("until-promoted") || pause.equalsIgnoreCase("manual"));
    }

    /** The gate's expressions, or an empty list. */
    public java.util.List<String> gates() {
        if (gate == null || gate.isBlank()) {
            return java.util.List.of();
        }
        return java.util.Arrays.stream(gate.split(";")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    public java.time.Duration pauseDuration() {
        return pause == null || untilPromoted() ? java.time.Duration.ZERO : Units.duration("pause", pause);
    }
}
