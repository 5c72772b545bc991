package dev.steward.api;

import java.time.Duration;
import java.util.Locale;

/**
 * What an agent does when a task exits or fails its health checks, after Nomad's restart
 * block: up to {@code attempts} restarts within {@code interval}, each after {@code delay}
 * (doubling per attempt, at most 5m); past that, {@code mode} {@code fail} fails the task and
 * {@code delay} waits out the interval and tries again. A task that exits 0 is done, not restarted,
 * unless {@code always} is set.
 */
public record RestartPolicy(Integer attempts, String interval, String delay, String mode, Boolean always) {
    public static final RestartPolicy DEFAULT = new RestartPolicy(2, "30m", "1s", "fail", false);

    public int attemptsCount() {
        return attempts == null ? 2 : attempts;
    }

    public Duration intervalDuration() {
        return interval == null ? Duration.ofMinutes(30) : Units.duration("interval", interval);
    }

    public Duration delayDuration() {
        return delay == null ? Duration.ofSeconds(1) : Units.duration("delay", delay);
    }

    public boolean failMode() {
        return mode == null || mode.toLowerCase(Locale.ROOT).equals("fail");
    }

    public RestartPolicy validate() {
        Validation.range("attempts", attempts, 0, 100, 2);
        if (mode != null && !mode.equalsIgnoreCase("fail") && !mode.equalsIgnoreCase("delay")) {
            throw new ValidationException("mode", "'" + mode + "' is not a restart mode; use fail or delay");
        }
        if (delayDuration().compareTo(Duration.ofHours(1)) > 0) {
            throw new ValidationException("delay", "is above the limit of 1h");
        }
        intervalDuration();
        return this;
    }
}
