package dev.steward.api;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * How an agent checks a task's health: {@code http} (GET {@code path} on the named port;
 * 200-399 passes), {@code tcp} (connect to the named port) or {@code command} (exit 0 passes),
 * every {@code interval}, each try bounded by {@code timeout}, none counted during the initial
 * {@code grace}, unhealthy after {@code threshold} consecutive failures.
 */
public record HealthCheck(String type, String path, String port, List<String> command, String interval, String timeout, String grace,
                          Integer threshold) {

    public enum Type { HTTP, TCP, COMMAND }

    public Type parsedType() {
        String t = type == null ? "" : type.toLowerCase(Locale.ROOT);
        return switch (t) {
            case "http" -> Type.HTTP;
            case "tcp" -> Type.TCP;
            case "command", "cmd", "exec" -> Type.COMMAND;
            default -> throw new ValidationException("type", "'" + type + "' is not a health check type; use http, tcp or command");
        };
    }

    public Duration intervalDuration() {
        return interval == null ? Duration.ofSeconds(10) : Units.duration("interval", interval);
    }

    /** The given timeout, else 2s, or the interval when that is shorter (a 1s check gets a 1s timeout). */
    public Duration timeoutDuration() {
        if (timeout != null) {
            return Units.duration("timeout", timeout);
        }
        Duration i = intervalDuration();
        return i.compareTo(Duration.ofSeconds(2)) < 0 ? i : Duration.ofSeconds(2);
    }

    public Duration graceDuration() {
        return grace == null ? Duration.ZERO : Units.duration("grace", grace);
    }

    public int thresholdCount() {
        return threshold == null ? 3 : threshold;
    }

    /** Checks every field against the task's ports; returns itself. */
    public HealthCheck validate(List<String> portNames) {
        Type t = parsedType();
        if (t != Type.COMMAND) {
            String kind = t.name().toLowerCase(Locale.ROOT);
            if (port == null) { // before, "'null' is not one of the allocation's ports []"
                throw new ValidationException("port", "is required for a" + (t == Type.HTTP ? "n " : " ") + kind + " check: the name of the port to check, "
                        + (portNames.isEmpty() ? "and the allocation has no ports: name one (ports) for it to check" : "one of " + portNames));
            }
            if (!portNames.contains(port)) {
                throw new ValidationException("port", "'" + port + "' is not one of the allocation's ports " + portNames);
            }
        } else if (command == null || command.isEmpty()) {
            throw new ValidationException("command", "is required for a command check");
        }
        if (t == Type.HTTP && path != null && !path.startsWith("/")) {
            throw new ValidationException("path", "must start with '/'");
        }
        Duration i = intervalDuration();
        Duration to = timeoutDuration();
        if (i.compareTo(Duration.ofMillis(100)) < 0 || i.compareTo(Duration.ofHours(1)) > 0) {
            throw new ValidationException("interval", "is " + Units.format(i) + "; it must be from 100ms to 1h");
        }
        if (to.compareTo(Duration.ofMillis(10)) < 0 || to.compareTo(i) > 0) {
            throw new ValidationException("timeout", "is " + Units.format(to) + "; it must be from 10ms to the interval (" + Units.format(i) + ")");
        }
        if (graceDuration().compareTo(Duration.ofHours(1)) > 0) {
            throw new ValidationException("grace", "is above the limit of 1h");
        }
        Validation.range("threshold", threshold, 1, 100, 3);
        return this;
    }
}
