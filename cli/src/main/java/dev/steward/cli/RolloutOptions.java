package dev.steward.cli;

import dev.steward.api.CanaryStep;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

/**
 * How a revision rolls out: the rollout flags {@code steward deploy} and {@code steward promote}
 * share (a promotion takes what runs from its source, but rolls it out its own way: a canary to
 * prod from what passed staging). Each flag is a field of the deploy request.
 */
final class RolloutOptions {
    @Option(names = "--strategy", description = "rolling (default), canary, bluegreen, recreate")
    String strategy;
    @Option(names = "--max-surge", description = "Rolling: extra instances allowed, count or %%. Default: 25%%")
    String maxSurge;
    @Option(names = "--max-unavailable", description = "Rolling: instances that may be unavailable, count or %%. Default: 25%%")
    String maxUnavailable;
    @Option(names = "--min-ready-seconds", description = "Rolling: seconds an instance must be ready to count")
    Integer minReadySeconds;
    @Option(names = "--steps", description = "Canary step WEIGHT[:PAUSE[:GATES]], e.g. 20%%:1m, 50%%:promote, '10%%:5m:error-rate < 1%%; p99 < 300ms' "
            + "(repeatable; gives --strategy canary)")
    List<String> steps;
    @Option(names = "--scale-down-delay", description = "Blue/green: how long the old set stays after the switch. Default: 30s")
    String scaleDownDelay;
    @Option(names = "--min-healthy-time", description = "How long the health check must pass before an instance counts. Default: 10s")
    String minHealthyTime;
    @Option(names = "--healthy-deadline", description = "How long an instance has to become healthy. Default: 5m")
    String healthyDeadline;
    @Option(names = "--progress-deadline", description = "Fail when nothing becomes available for this long. Default: 10m")
    String progressDeadline;
    @Option(names = "--auto-rollback", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "On failure, return to the stable revision (default); --no-auto-rollback stays")
    boolean autoRollback = true;
    @Option(names = "--on-conflict", description = "When a deployment runs already: supersede (default) or wait")
    String onConflict;

    /** The canary steps as parsed, or null when none was given. */
    List<CanaryStep> canary() {
        if (steps == null) {
            return null;
        }
        List<CanaryStep> out = new ArrayList<>();
        for (String s : steps) {
            out.add(CanaryStep.parse(s));
        }
        return out;
    }

    /** The strategy: as given, or canary when only steps were. */
    String strategy() {
        return strategy == null && steps != null ? "canary" : strategy;
    }

    /** Null for the default (roll back), false for {@code --no-auto-rollback}: the request's field. */
    Boolean autoRollback() {
        return autoRollback ? null : Boolean.FALSE;
    }
}
