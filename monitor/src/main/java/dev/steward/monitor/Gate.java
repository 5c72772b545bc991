package dev.steward.monitor;

import dev.steward.api.Units;
import dev.steward.api.ValidationException;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A gate as people write it: {@code error-rate < 1%}, {@code p99 < 250ms}, {@code restarts <= 2},
 * {@code healthy >= 80%}, {@code memory < 256m}, {@code cpu < 0.5}, {@code log-errors < 5/min}. The
 * value is measured over the monitor's window (restarts: since the monitor started; healthy and
 * memory: now; memory and cpu: the highest instance's).
 */
public record Gate(String text, Kind kind, double quantile, Op op, double bound) {

    public enum Kind { ERROR_RATE, LATENCY, RESTARTS, HEALTHY, MEMORY, CPU, LOG_ERRORS }

    public enum Op {
        LT("<"), LE("<="), GT(">"), GE(">=");

        final String symbol;

        Op(String s) {
            symbol = s;
        }

        boolean holds(double v, double bound) {
            return switch (this) {
                case LT -> v < bound;
                case LE -> v <= bound;
                case GT -> v > bound;
                case GE -> v >= bound;
            };
        }
    }

    private static final Pattern FORM = Pattern.compile("\\s*([a-z0-9-]+)\\s*(<=|>=|<|>)\\s*(\\S+)\\s*");

    public static Gate parse(String field, String text) {
        Matcher m = FORM.matcher(text == null ? "" : text.toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new ValidationException(field, "'" + text + "' is not a gate; write e.g. 'error-rate < 1%', 'p99 < 250ms', 'restarts <= 2', "
                    + "'healthy >= 80%', 'memory < 256m', 'log-errors < 5/min'");
        }
        String what = m.group(1);
        Op op = switch (m.group(2)) {
            case "<" -> Op.LT;
            case "<=" -> Op.LE;
            case ">" -> Op.GT;
            default -> Op.GE;
        };
        String b = m.group(3);
        if (what.matches("p\\d{1,3}(\\.\\d+)?")) {
            double q = Double.parseDouble(what.substring(1)) / (what.length() <= 3 ? 100.0 : Math.pow(10, what.length() - 1));
            if (q <= 0 || q >= 1) {
                throw new ValidationException(field, "'" + what + "' is not a quantile such as p50, p95, p99, p999");
            }
            return new Gate(text.trim(), Kind.LATENCY, q, op, Units.duration(field, b).toNanos() / 1e9);
        }
        return switch (what) {
            case "error-rate", "errors" -> new Gate(text.trim(), Kind.ERROR_RATE, 0, op, percent(field, b));
            case "restarts" -> new Gate(text.trim(), Kind.RESTARTS, 0, op, count(field, b));
            case "healthy" -> new Gate(text.trim(), Kind.HEALTHY, 0, op, percent(field, b));
            case "memory" -> new Gate(text.trim(), Kind.MEMORY, 0, op, Units.mebibytes(field, b));
            case "cpu" -> new Gate(text.trim(), Kind.CPU, 0, op, Units.cpuMillis(field, b) / 1000.0);
            case "log-errors" -> new Gate(text.trim(), Kind.LOG_ERRORS, 0, op, count(field, b.replace("/min", "").replace("/m", "")));
            default -> throw new ValidationException(field, "'" + what + "' is not a signal; use error-rate, pNN (latency), restarts, healthy, memory, cpu or log-errors");
        };
    }

    private static double percent(String field, String b) {
        try {
            return b.endsWith("%") ? Double.parseDouble(b.substring(0, b.length() - 1)) / 100 : Double.parseDouble(b);
        } catch (NumberFormatException e) {
            throw new ValidationException(field, "'" + b + "' is not a percentage such as 1% or 0.01");
        }
    }

    private static double count(String field, String b) {
        try {
            return Double.parseDouble(b);
        } catch (NumberFormatException e) {
            throw new ValidationException(field, "'" + b + "' is not a number");
        }
    }

    /** The bound as people read it, in the gate's unit. */
    public String boundText() {
        return Gate.format(kind, bound);
    }

    static String format(Kind kind, double v) {
        return switch (kind) {
            case ERROR_RATE, HEALTHY -> String.format(Locale.ROOT, "%.2f%%", v * 100);
            case LATENCY -> v >= 1 ? String.format(Locale.ROOT, "%.2fs", v) : String.format(Locale.ROOT, "%.1fms", v * 1000);
            case MEMORY -> String.format(Locale.ROOT, "%.0fm", v);
            case CPU -> String.format(Locale.ROOT, "%.2f cpus", v);
            case LOG_ERRORS -> String.format(Locale.ROOT, "%.1f/min", v);
            case RESTARTS -> String.format(Locale.ROOT, "%.0f", v);
        };
    }

    public String symbol() {
        return op.symbol;
    }
}
