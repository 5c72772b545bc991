package dev.steward.api;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The text forms a CLI flag and a Pipeline step share for arguments the JSON API takes as
 * structures: a constraint as {@code ATTR=VALUE}, {@code ATTR!=VALUE}, {@code ATTR~REGEX},
 * {@code ATTR in a,b} or {@code distinct}; a map as {@code KEY=VALUE} entries (as Jenkins' own
 * {@code withEnv} takes them); a list whose entries may each hold several lines (a Snippet
 * Generator text area binds as one entry). One parser each, so the CLI and the steps cannot drift.
 */
public final class ArgForms {
    private ArgForms() {
    }

    /**
     * The entries, each split into lines (and on {@code separators}), trimmed, blanks dropped; null
     * when none are left. An entry that is not text is taken as its text: a Pipeline that writes
     * {@code steps: [1, '50%']} hands a step's {@code List<String>} setter an Integer (Jenkins binds
     * a setter's list by its erased type), which is {@code "1"} here, not a ClassCastException.
     */
    public static List<String> lines(List<?> entries, String separators) {
        if (entries == null) {
            return null;
        }
        List<String> out = new ArrayList<>();
        for (Object o : entries) {
            if (o == null) {
                continue;
            }
            String e = o.toString();
            for (String part : e.split("[\\r\\n" + separators + "]")) {
                if (!part.isBlank()) {
                    out.add(part.trim());
                }
            }
        }
        return out.isEmpty() ? null : List.copyOf(out);
    }

    /**
     * A program and its arguments, each word exactly as given (spaces, quotes and newlines kept;
     * a number taken as its text); null when none, or one blank entry. The one exception is a
     * list of a single entry of several lines, which is what a Snippet Generator text area binds:
     * one word per line, as a program's name never holds a newline.
     */
    public static List<String> words(List<?> entries) {
        if (entries == null || entries.isEmpty()) {
            return null;
        }
        if (entries.size() == 1 && (entries.get(0) == null || entries.get(0).toString().isBlank())) {
            return null; // an empty text area
        }
        if (entries.size() == 1 && entries.get(0).toString().indexOf('\n') >= 0) {
            List<String> out = new ArrayList<>();
            for (String line : entries.get(0).toString().split("\r?\n")) {
                if (!line.isEmpty()) {
                    out.add(line);
                }
            }
            return out.isEmpty() ? null : List.copyOf(out);
        }
        List<String> out = new ArrayList<>();
        for (Object o : entries) {
            out.add(o == null ? null : o.toString());
        }
        return java.util.Collections.unmodifiableList(out);
    }

    /** {@code KEY=VALUE} entries as a map, in order; a later key wins. An entry without {@code =} is an error naming {@code field}. */
    public static Map<String, String> pairs(String field, List<String> entries) {
        if (entries == null) {
            return null;
        }
        Map<String, String> out = new LinkedHashMap<>();
        int i = 0;
        for (String e : entries) {
            int eq = e == null ? -1 : e.indexOf('=');
            if (eq <= 0) {
                throw new ValidationException(field + "[" + i + "]", "'" + e + "' is not KEY=VALUE");
            }
            out.put(e.substring(0, eq).trim(), e.substring(eq + 1));
            i++;
        }
        return out.isEmpty() ? null : out;
    }

    /**
     * A restart policy as {@code attempts=5, interval=30m, delay=2s, mode=delay, always} (any of
     * them, comma- or space-separated; {@code always} alone is {@code always=true}); a key left out
     * keeps its default. Null for null or blank. Checked: a bad key or value names
     * {@code field.KEY}.
     */
    public static RestartPolicy restart(String field, String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        Integer attempts = null;
        String interval = null;
        String delay = null;
        String mode = null;
        Boolean always = null;
        for (String part : text.trim().split("[,\\s]+")) {
            int eq = part.indexOf('=');
            String key = (eq < 0 ? part : part.substring(0, eq)).trim().toLowerCase(java.util.Locale.ROOT);
            String value = eq < 0 ? null : part.substring(eq + 1).trim();
            if (value == null && !key.equals("always")) {
                throw new ValidationException(field, "'" + part + "' is not KEY=VALUE (attempts, interval, delay, mode or always)");
            }
            switch (key) {
                case "attempts" -> {
                    try {
                        attempts = Integer.valueOf(value);
                    } catch (NumberFormatException e) {
                        throw new ValidationException(field + ".attempts", "'" + value + "' is not a whole number");
                    }
                }
                case "interval" -> interval = value;
                case "delay" -> delay = value;
                case "mode" -> mode = value;
                case "always" -> {
                    if (value != null && !value.equalsIgnoreCase("true") && !value.equalsIgnoreCase("false")) {
                        throw new ValidationException(field + ".always", "'" + value + "' is not true or false");
                    }
                    always = value == null || Boolean.parseBoolean(value);
                }
                default -> throw new ValidationException(field, "'" + key + "' is not attempts, interval, delay, mode or always");
            }
        }
        RestartPolicy p = new RestartPolicy(attempts, interval, delay, mode, always);
        try {
            return p.validate();
        } catch (ValidationException e) {
            throw e.under(field);
        }
    }

    /** {@code NAME=COUNT} entries (whole numbers, 0 to 10^12) as scalar resources. */
    public static Map<String, Long> scalars(String field, List<String> entries) {
        Map<String, String> p = pairs(field, entries);
        if (p == null) {
            return null;
        }
        Map<String, Long> out = new LinkedHashMap<>();
        p.forEach((k, v) -> {
            try {
                long n = Long.parseLong(v.trim());
                if (n < 0 || n > 1_000_000_000_000L) {
                    throw new NumberFormatException();
                }
                out.put(k, n);
            } catch (NumberFormatException x) {
                throw new ValidationException(field + "." + k, "'" + v + "' is not a whole number from 0 to 1000000000000");
            }
        });
        return out;
    }

    /** Constraints from their text forms; an entry that is none of them is an error naming {@code field} and the index. */
    public static List<Constraint> constraints(String field, List<String> entries) {
        if (entries == null) {
            return null;
        }
        List<Constraint> out = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            String c = entries.get(i).trim();
            Constraint k;
            if (c.equals("distinct")) {
                k = Constraint.distinct();
            } else if (c.startsWith("distinct ")) {
                k = new Constraint(c.substring(9).trim(), "distinct", null, null);
            } else if (c.contains("!=")) {
                k = new Constraint(c.substring(0, c.indexOf("!=")).trim(), "!=", c.substring(c.indexOf("!=") + 2).trim(), null);
            } else if (c.contains("~")) {
                k = new Constraint(c.substring(0, c.indexOf('~')).trim(), "regex", c.substring(c.indexOf('~') + 1).trim(), null);
            } else if (c.contains(" in ")) {
                k = new Constraint(c.substring(0, c.indexOf(" in ")).trim(), "in", c.substring(c.indexOf(" in ") + 4).trim(), null);
            } else if (c.contains("=")) {
                k = new Constraint(c.substring(0, c.indexOf('=')).trim(), "=", c.substring(c.indexOf('=') + 1).trim(), null);
            } else {
                throw new ValidationException(field + "[" + i + "]", "'" + c + "' is not ATTR=VALUE, ATTR!=VALUE, ATTR~REGEX, ATTR in A,B, distinct or distinct ATTR");
            }
            try {
                out.add(k.validate());
            } catch (ValidationException e) {
                throw e.under(field + "[" + i + "]");
            }
        }
        return out.isEmpty() ? null : out;
    }

    /** The lines form of a list, for showing it in a text area; empty for none. */
    public static String text(List<String> entries) {
        return entries == null ? "" : String.join("\n", entries);
    }
}
