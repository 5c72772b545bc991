package dev.steward.api;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * How a deployment rolls out. {@code strategy}: {@code rolling} (default), {@code canary},
 * {@code bluegreen} or {@code recreate}. Rolling uses the arithmetic of Kubernetes
 * Deployments: {@code maxSurge} (default 25%, rounded up) and {@code maxUnavailable} (default
 * 25%, rounded down; if both come to 0, 1 may be unavailable). Canary runs its {@code steps}.
 * Blue/green keeps the old set {@code scaleDownDelay} (default 30s) after the switch. An instance
 * is available once its health check has passed for {@code minHealthyTime} (default 10s; or
 * {@code minReadySeconds} if longer), must be so within {@code healthyDeadline} (default 5m),
 * and the deployment fails when nothing progresses for {@code progressDeadline} (default 10m,
 * restarted by every instance that becomes available). On failure it rolls back to the last
 * stable revision unless {@code autoRollback} is false.
 */
public record RolloutSpec(String strategy, String maxSurge, String maxUnavailable, Integer minReadySeconds, List<CanaryStep> steps,
                          String scaleDownDelay, String minHealthyTime, String healthyDeadline, String progressDeadline, Boolean autoRollback) {

    public enum Strategy { ROLLING, CANARY, BLUEGREEN, RECREATE }

    public static final RolloutSpec ROLLING = new RolloutSpec("rolling", null, null, null, null, null, null, null, null, null);

    /**
     * This rollout as a rolling update, for a scale of the revision that runs: the same health
     * timings, deadlines and rollback setting, and its surge and unavailability if it was rolling
     * already (a canary's or blue/green's are not a rolling update's: the defaults apply); no
     * canary steps, no blue/green switch.
     */
    public RolloutSpec asRolling() {
        boolean rolling = type() == Strategy.ROLLING;
        return new RolloutSpec("rolling", rolling ? maxSurge : null, rolling ? maxUnavailable : null, minReadySeconds, null, null, minHealthyTime,
                healthyDeadline, progressDeadline, autoRollback);
    }

    /**
     * How a rollback rolls out after a deployment that rolled out as this one: with the same
     * health timings, deadlines and bounds (the service's own, as {@code kubectl rollout undo}
     * keeps a Deployment's strategy), as a rolling update, so that no canary step or blue/green
     * switch waits on anyone while a bad revision runs; a recreate stays a recreate (its service
     * must never run two revisions at once).
     */
    public RolloutSpec forRollback() {
        return type() == Strategy.RECREATE
                ? new RolloutSpec("recreate", null, null, minReadySeconds, null, null, minHealthyTime, healthyDeadline, progressDeadline, autoRollback)
                : asRolling();
    }

    public Strategy type() {
        String s = strategy == null ? "rolling" : strategy.trim().toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
        return switch (s) {
            case "rolling", "rollingupdate" -> Strategy.ROLLING;
            case "canary" -> Strategy.CANARY;
            case "bluegreen" -> Strategy.BLUEGREEN;
            case "recreate" -> Strategy.RECREATE;
            default -> throw new ValidationException("strategy", "'" + strategy + "' is not rolling, canary, bluegreen or recreate");
        };
    }

    public int surge(int instances) {
        int s = amount("maxSurge", maxSurge == null ? "25%" : maxSurge, instances, true, 0);
        int u = amount("maxUnavailable", maxUnavailable == null ? "25%" : maxUnavailable, instances, false, 0);
        return s == 0 && u == 0 ? 0 : s;
    }

    public int unavailable(int instances) {
        int s = amount("maxSurge", maxSurge == null ? "25%" : maxSurge, instances, true, 0);
        int u = amount("maxUnavailable", maxUnavailable == null ? "25%" : maxUnavailable, instances, false, 0);
        return s == 0 && u == 0 ? 1 : u;
    }

    public Duration availableAfter() {
        Duration h = minHealthyTime == null ? Duration.ofSeconds(10) : Units.duration("minHealthyTime", minHealthyTime);
        Duration r = minReadySeconds == null ? Duration.ZERO : Duration.ofSeconds(minReadySeconds);
        return h.compareTo(r) >= 0 ? h : r;
    }

    public Duration healthyDeadlineDuration() {
        return healthyDeadline == null ? Duration.ofMinutes(5) : Units.duration("healthyDeadline", healthyDeadline);
    }

    public Duration progressDeadlineDuration() {
        return progressDeadline == null ? Duration.ofMinutes(10) : Units.duration("progressDeadline", progressDeadline);
    }

    public Duration scaleDownDelayDuration() {
        return scaleDownDelay == null ? Duration.ofSeconds(30) : Units.duration("scaleDownDelay", scaleDownDelay);
    }

    public boolean rollsBack() {
        return autoRollback == null || autoRollback;
    }

    public RolloutSpec validate(int instances) {
        Strategy t = type();
        surge(instances);
        unavailable(instances);
        if (minReadySeconds != null && (minReadySeconds < 0 || minReadySeconds > 3600)) {
            throw new ValidationException("minReadySeconds", "is " + minReadySeconds + "; it must be from 0 to 3600");
        }
        Duration avail = availableAfter();
        Duration hd = healthyDeadlineDuration();
        if (hd.compareTo(avail) <= 0) {
            throw new ValidationException("healthyDeadline", "is " + Units.format(hd) + "; it must be longer than minHealthyTime (" + Units.format(avail) + ")");
        }
        if (progressDeadlineDuration().compareTo(Duration.ofSeconds(1)) < 0 || progressDeadlineDuration().compareTo(Duration.ofDays(1)) > 0) {
            throw new ValidationException("progressDeadline", "must be from 1s to 24h");
        }
        scaleDownDelayDuration();
        if (t == Strategy.CANARY) {
            if (steps == null || steps.isEmpty()) {
                throw new ValidationException("steps", "a canary needs steps, e.g. [{weight: '20%', pause: '1m'}, {weight: '50%', pause: 'promote'}]");
            }
            if (steps.size() > 20) {
                throw new ValidationException("steps", "has " + steps.size() + " entries, above the limit of 20");
            }
            for (int i = 0; i < steps.size(); i++) {
                CanaryStep s = steps.get(i);
                if (s == null || s.weight() == null) {
                    throw new ValidationException("steps[" + i + "].weight", "is required");
                }
                try {
                    s.count(Math.max(instances, 1));
                    s.pauseDuration();
                } catch (ValidationException e) {
                    throw e.under("steps[" + i + "]");
                }
                if (!s.gates().isEmpty() && (s.untilPromoted() || s.pauseDuration().compareTo(Duration.ofSeconds(1)) < 0)) {
                    throw new ValidationException("steps[" + i + "].pause", "a step with a gate needs a pause of at least 1s: the time its monitor watches");
                }
            }
        } else if (steps != null && !steps.isEmpty()) {
            throw new ValidationException("steps", "are for the canary strategy, not " + t.name().toLowerCase(Locale.ROOT));
        }
        return this;
    }

    /**
     * A count or a percentage of {@code total}: {@code "25%"} rounds up or down as asked,
     * {@code "2"} is 2; at least {@code min}, at most {@code total} for percentages.
     */
    static int amount(String field, String text, int total, boolean roundUp, int min) {
        String t = text.trim();
        try {
            if (t.endsWith("%")) {
                double pct = Double.parseDouble(t.substring(0, t.length() - 1));
                if (pct < 0 || pct > 100) {
                    throw new ValidationException(field, "is " + t + "; a percentage must be from 0% to 100%");
                }
                double exact = pct * total / 100.0;
                int n = (int) (roundUp ? Math.ceil(exact - 1e-9) : Math.floor(exact + 1e-9));
                return Math.max(min, Math.min(total, n));
            }
            int n = Integer.parseInt(t);
            if (n < 0 || n > 10_000) {
                throw new ValidationException(field, "is " + n + "; it must be from 0 to 10000");
            }
            return Math.max(min, n);
        } catch (NumberFormatException e) {
            throw new ValidationException(field, "'" + text + "' is neither a count such as 2 nor a percentage such as 25%");
        }
    }
}
