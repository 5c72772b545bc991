package dev.steward.api;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the units users write: cpus ({@code 2}, {@code 1.5}, {@code 500m}) into millicores,
 * memory and disk ({@code 4g}, {@code 512m}, {@code 1.5Gi}, plain numbers are MiB) into MiB,
 * GPUs ({@code 1}, {@code 0.5}) into thousandths of a GPU, durations ({@code 30s}, {@code 5m},
 * {@code 1h30m}, {@code 250ms}) into {@link Duration}. Each parser names the field it was
 * given in its error.
 */
public final class Units {
    private static final Pattern NUMBER_UNIT = Pattern.compile("^([0-9]+(?:\\.[0-9]+)?)\\s*([a-zA-Z]*)$");
    private static final Pattern DURATION_PART = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(ms|s|m|h|d)");

    private Units() {
    }

    /** Cpus in millicores: {@code "2"} = 2000, {@code "1.5"} = 1500, {@code "250m"} = 250. */
    public static long cpuMillis(String field, String text) {
        Matcher m = match(field, text, "a number of cpus such as 2, 1.5 or 500m");
        BigDecimal n = new BigDecimal(m.group(1));
        String unit = m.group(2).toLowerCase(Locale.ROOT);
        BigDecimal millis = switch (unit) {
            case "" -> n.multiply(BigDecimal.valueOf(1000));
            case "m" -> n;
            default -> throw new ValidationException(field, "unknown cpu unit '" + m.group(2) + "' in '" + text + "'; write cores (1.5) or millicores (500m)");
        };
        return exact(field, text, millis, "millicore");
    }

    /** Memory or disk in MiB: {@code "4g"} = 4096, {@code "512m"} = 512, {@code "1t"}, {@code "2048"} (MiB). */
    public static long mebibytes(String field, String text) {
        Matcher m = match(field, text, "a size such as 512m, 4g or 1t");
        BigDecimal n = new BigDecimal(m.group(1));
        String unit = m.group(2).toLowerCase(Locale.ROOT);
        long factor = switch (unit) {
            case "", "m", "mi", "mb", "mib" -> 1;
            case "g", "gi", "gb", "gib" -> 1024;
            case "t", "ti", "tb", "tib" -> 1024 * 1024;
            case "k", "ki", "kb", "kib" -> -1024;
            default -> throw new ValidationException(field, "unknown size unit '" + m.group(2) + "' in '" + text + "'; use m, g or t");
        };
        BigDecimal mib = factor > 0 ? n.multiply(BigDecimal.valueOf(factor)) : n.divide(BigDecimal.valueOf(-factor), java.math.RoundingMode.CEILING);
        return exact(field, text, mib.setScale(0, java.math.RoundingMode.CEILING), "MiB");
    }

    /**
     * GPUs in thousandths of one GPU: {@code "2"} = 2000 (two whole GPUs), {@code "0.25"} = 250
     * (a quarter of one shared GPU). A fraction above one GPU ({@code 1.5}) is refused.
     */
    public static long gpuMillis(String field, String text) {
        Matcher m = match(field, text, "a number of GPUs such as 1, 2 or 0.5");
        if (!m.group(2).isEmpty()) {
            throw new ValidationException(field, "GPUs take no unit: write 1, 2 or a share of one GPU such as 0.5");
        }
        long millis = exact(field, text, new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(1000)), "thousandth of a GPU");
        if (millis > 1000 && millis % 1000 != 0) {
            throw new ValidationException(field, "'" + text + "' mixes whole and shared GPUs: ask for whole GPUs or for a share of one GPU (at most 1)");
        }
        return millis;
    }

    /** A duration: {@code "30s"}, {@code "5m"}, {@code "1h30m"}, {@code "250ms"}, {@code "2d"}; a plain number is seconds. */
    public static Duration duration(String field, String text) {
        if (text == null || text.isBlank()) {
            throw new ValidationException(field, "is empty; write a duration such as 30s, 5m or 1h");
        }
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.matches("[0-9]+")) {
            return Duration.ofSeconds(Long.parseLong(t));
        }
        Matcher m = DURATION_PART.matcher(t);
        int pos = 0;
        BigDecimal millis = BigDecimal.ZERO;
        while (m.find()) {
            if (m.start() != pos) {
                break;
            }
            BigDecimal n = new BigDecimal(m.group(1));
            long unit = switch (m.group(2)) {
                case "ms" -> 1;
                case "s" -> 1000;
                case "m" -> 60_000;
                case "h" -> 3_600_000;
                default -> 86_400_000;
            };
            millis = millis.add(n.multiply(BigDecimal.valueOf(unit)));
            pos = m.end();
        }
        if (pos != t.length() || pos == 0) {
            throw new ValidationException(field, "'" + text + "' is not a duration; write one such as 30s, 5m, 1h30m or 250ms");
        }
        if (millis.compareTo(BigDecimal.valueOf(Long.MAX_VALUE / 2)) > 0) {
            throw new ValidationException(field, "'" + text + "' is too long");
        }
        return Duration.ofMillis(millis.longValue());
    }

    /** "1 instance", "3 instances", "1,200 agents": a count with its noun, singular for one. */
    public static String count(long n, String noun) {
        return String.format("%,d %s%s", n, noun, n == 1 ? "" : "s");
    }

    /** Formats a duration the way users write one: {@code 90s} becomes {@code 1m30s}. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms == 0) {
            return "0s";
        }
        StringBuilder b = new StringBuilder();
        long[] units = {86_400_000, 3_600_000, 60_000, 1000, 1};
        String[] names = {"d", "h", "m", "s", "ms"};
        for (int i = 0; i < units.length; i++) {
            if (ms >= units[i]) {
                b.append(ms / units[i]).append(names[i]);
                ms %= units[i];
            }
        }
        return b.toString();
    }

    /** Formats millicores as cores: 1500 becomes {@code 1.5}. */
    public static String formatCpus(long millis) {
        return BigDecimal.valueOf(millis).movePointLeft(3).stripTrailingZeros().toPlainString();
    }

    /** Formats MiB the short way: 4096 becomes {@code 4g}, 1536 {@code 1536m}. */
    public static String formatMib(long mib) {
        if (mib != 0 && mib % (1024 * 1024) == 0) {
            return mib / (1024 * 1024) + "t";
        }
        if (mib != 0 && mib % 1024 == 0) {
            return mib / 1024 + "g";
        }
        return mib + "m";
    }

    /**
     * An amount of MiB for a person to read in a table: exact below 1 GiB, in whole GiB below
     * 1 TiB and in whole TiB ({@link #formatMib}), else in GiB or TiB to one decimal
     * ({@code 24105} is {@code 23.5g}). Not for input: {@link #formatMib} is exact.
     */
    public static String formatMibShort(long mib) {
        long abs = Math.abs(mib);
        if (abs < 1024 || abs % (1024L * 1024) == 0 || abs < 1024L * 1024 && abs % 1024 == 0) {
            return formatMib(mib);
        }
        if (abs < 1024L * 1024) {
            return String.format(java.util.Locale.ROOT, "%.1fg", mib / 1024.0);
        }
        return String.format(java.util.Locale.ROOT, "%.1ft", mib / (1024.0 * 1024));
    }

    /** Bytes for a person to read: {@code 512 B}, {@code 1.9 KiB}, {@code 63.0 MiB}. */
    public static String formatBytes(long n) {
        if (Math.abs(n) < 1024) {
            return n + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = n;
        int i = -1;
        while (Math.abs(v) >= 1024 && i < units.length - 1) {
            v /= 1024;
            i++;
        }
        return String.format(java.util.Locale.ROOT, "%.1f %s", v, units[i]);
    }

    private static Matcher match(String field, String text, String expected) {
        if (text == null || text.isBlank()) {
            throw new ValidationException(field, "is empty; write " + expected);
        }
        String t = text.trim();
        if (t.startsWith("-")) {
            throw new ValidationException(field, "'" + text + "' is negative; write " + expected);
        }
        Matcher m = NUMBER_UNIT.matcher(t);
        if (!m.matches()) {
            throw new ValidationException(field, "'" + text + "' is not " + expected);
        }
        return m;
    }

    private static long exact(String field, String text, BigDecimal value, String unit) {
        if (value.compareTo(BigDecimal.valueOf(Long.MAX_VALUE / 4)) > 0) {
            throw new ValidationException(field, "'" + text + "' is absurdly large");
        }
        if (value.stripTrailingZeros().scale() > 0) {
            throw new ValidationException(field, "'" + text + "' is finer than one " + unit);
        }
        return value.longValueExact();
    }
}
