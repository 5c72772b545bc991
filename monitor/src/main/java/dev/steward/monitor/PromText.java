package dev.steward.monitor;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A parser of the Prometheus text exposition format (0.0.4): {@code # TYPE} and {@code # HELP}
 * lines, samples with optional labels (escapes {@code \\}, {@code \"}, {@code \n}), values
 * including {@code NaN} and {@code +Inf}, optional timestamps (ignored: the scrape time is what
 * counts). A malformed line is refused with its number and the reason.
 */
public final class PromText {
    private PromText() {
    }

    /** What a scrape held: the samples and each family's declared type. */
    public record Scrape(List<Sample> samples, Map<String, String> types) {
        /** The type of a sample's family ({@code _bucket}, {@code _sum}, {@code _count} belong to their histogram). */
        public String typeOf(String sample) {
            String t = types.get(sample);
            if (t != null) {
                return t;
            }
            for (String suffix : new String[] {"_bucket", "_sum", "_count", "_total", "_created"}) {
                if (sample.endsWith(suffix)) {
                    t = types.get(sample.substring(0, sample.length() - suffix.length()));
                    if (t != null) {
                        return t;
                    }
                }
            }
            return "untyped";
        }
    }

    /** Thrown for a line that is not the text format. */
    public static final class ParseError extends RuntimeException {
        public ParseError(int line, String why) {
            super("line " + line + ": " + why);
        }
    }

    public static Scrape parse(String text) {
        List<Sample> out = new ArrayList<>();
        Map<String, String> types = new LinkedHashMap<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String l = lines[i].strip();
            if (l.isEmpty()) {
                continue;
            }
            if (l.startsWith("#")) {
                String[] f = l.substring(1).strip().split("\\s+", 3);
                if (f.length >= 3 && f[0].equals("TYPE")) {
                    types.put(f[1], f[2].strip());
                }
                continue;
            }
            out.add(sample(l, i + 1));
        }
        return new Scrape(out, types);
    }

    private static Sample sample(String l, int n) {
        int i = 0;
        while (i < l.length() && (Character.isLetterOrDigit(l.charAt(i)) || l.charAt(i) == '_' || l.charAt(i) == ':')) {
            i++;
        }
        if (i == 0) {
            throw new ParseError(n, "expected a metric name at '" + abbreviate(l) + "'");
        }
        String name = l.substring(0, i);
        Map<String, String> labels = new TreeMap<>();
        if (i < l.length() && l.charAt(i) == '{') {
            i++;
            while (true) {
                while (i < l.length() && (l.charAt(i) == ' ' || l.charAt(i) == ',')) {
                    i++;
                }
                if (i < l.length() && l.charAt(i) == '}') {
                    i++;
                    break;
                }
                int k = i;
                while (i < l.length() && l.charAt(i) != '=' && l.charAt(i) != '}') {
                    i++;
                }
                if (i >= l.length() || l.charAt(i) != '=') {
                    throw new ParseError(n, "expected label=\"value\" in '" + abbreviate(l) + "'");
                }
                String key = l.substring(k, i).strip();
                i++;
                if (i >= l.length() || l.charAt(i) != '"') {
                    throw new ParseError(n, "label " + key + " has no quoted value");
                }
                i++;
                StringBuilder v = new StringBuilder();
                while (i < l.length() && l.charAt(i) != '"') {
                    char c = l.charAt(i);
                    if (c == '\\' && i + 1 < l.length()) {
                        char e = l.charAt(++i);
                        v.append(e == 'n' ? '\n' : e);
                    } else {
                        v.append(c);
                    }
                    i++;
                }
                if (i >= l.length()) {
                    throw new ParseError(n, "label " + key + " is not closed");
                }
                i++;
                labels.put(key, v.toString());
            }
        }
        String[] rest = l.substring(i).strip().split("\\s+");
        if (rest.length == 0 || rest[0].isEmpty()) {
            throw new ParseError(n, "sample " + name + " has no value");
        }
        return new Sample(name, labels, value(rest[0], n));
    }

    static double value(String s, int n) {
        switch (s) {
            case "+Inf", "Inf" -> {
                return Double.POSITIVE_INFINITY;
            }
            case "-Inf" -> {
                return Double.NEGATIVE_INFINITY;
            }
            case "NaN" -> {
                return Double.NaN;
            }
            default -> {
                try {
                    return Double.parseDouble(s);
                } catch (NumberFormatException e) {
                    throw new ParseError(n, "'" + s + "' is not a number");
                }
            }
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }
}
