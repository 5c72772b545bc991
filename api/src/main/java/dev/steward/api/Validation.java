package dev.steward.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/** Small checks shared by the wire types; each throws {@link ValidationException} naming the field and the limit. */
public final class Validation {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final Pattern VARIABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final int MAX_VARIABLES = 1024;
    /** The kernel's bound on one environment string, NAME=value and its NUL (MAX_ARG_STRLEN, 32 pages): a longer one cannot be exec'd. */
    public static final int MAX_VARIABLE_BYTES = 128 * 1024 - 1;
    private static final Pattern SECRET_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    /** At most this many secrets per task. */
    public static final int MAX_SECRETS = 32;
    /** At most this many bytes (UTF-8) per secret value. */
    public static final int MAX_SECRET_BYTES = 64 * 1024;

    private Validation() {
    }

    /**
     * {@code value}, the amount {@code given} parses to, if it is at most {@code max}; else an error that names the field and says
     * what was given and the limit in the same words ({@code "is 5000, above the limit of 4096 cores"}, not the millicores it is kept in).
     */
    public static long atMost(String field, String given, long value, long max, String maxText) {
        if (value > max) {
            throw new ValidationException(field, "is " + given + ", above the limit of " + maxText);
        }
        return value;
    }

    public static int range(String field, Integer value, int min, int max, int absent) {
        if (value == null) {
            return absent;
        }
        if (value < min || value > max) {
            throw new ValidationException(field, "is " + value + "; it must be from " + min + " to " + max);
        }
        return value;
    }

    /** A name: letters, digits, '.', '_', '-', starting with a letter or digit, at most 128 characters. */
    public static String name(String field, String value) {
        if (value == null || value.isEmpty()) {
            throw new ValidationException(field, "is required");
        }
        if (value.length() > Limits.MAX_NAME) {
            throw new ValidationException(field, "is " + value.length() + " characters long, above the limit of " + Limits.MAX_NAME);
        }
        if (!NAME.matcher(value).matches()) {
            throw new ValidationException(field, "'" + value + "' may hold only letters, digits, '.', '_' and '-', and must start with a letter or digit");
        }
        return value;
    }

    public static <T> T required(String field, T value) {
        if (value == null) {
            throw new ValidationException(field, "is required");
        }
        return value;
    }

    /** Named ports ({@code ports[i]}): each a name, none twice, at most {@link Limits#MAX_PORTS}; null reads as none. */
    public static List<String> portNames(List<String> ports) {
        List<String> names = new ArrayList<>();
        if (ports == null) {
            return names;
        }
        if (ports.size() > Limits.MAX_PORTS) {
            throw new ValidationException("ports", "names " + ports.size() + " ports, above the limit of " + Limits.MAX_PORTS);
        }
        for (int i = 0; i < ports.size(); i++) {
            String p = name("ports[" + i + "]", ports.get(i));
            if (names.contains(p)) {
                throw new ValidationException("ports[" + i + "]", "'" + p + "' is named twice");
            }
            names.add(p);
        }
        return names;
    }

    /**
     * Environment variables under {@code field}: shell names, no null value, at most 1024, each
     * NAME=value at most {@link #MAX_VARIABLE_BYTES}; returned sorted (null reads as none).
     */
    public static Map<String, String> variables(String field, Map<String, String> vars) {
        Map<String, String> out = new TreeMap<>();
        if (vars == null) {
            return out;
        }
        if (vars.size() > MAX_VARIABLES) {
            throw new ValidationException(field, "has " + vars.size() + " entries, above the limit of " + MAX_VARIABLES);
        }
        vars.forEach((k, v) -> {
            if (k == null || !VARIABLE.matcher(k).matches()) {
                throw new ValidationException(field + "." + (k == null ? null : k.substring(0, Math.min(k.length(), 64))), "is not a valid variable name");
            }
            if (v == null) {
                throw new ValidationException(field + "." + k.substring(0, Math.min(k.length(), 64)), "is null");
            }
            long bytes = k.length() + 1L + v.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            if (bytes > MAX_VARIABLE_BYTES) {
                throw new ValidationException(field + "." + k.substring(0, Math.min(k.length(), 64)), "is " + bytes + " bytes as NAME=value, above the "
                        + "limit of " + MAX_VARIABLE_BYTES + " (the kernel's bound on one environment string: a longer one cannot start)");
            }
            out.put(k, v);
        });
        return out;
    }

    /**
     * The secrets a service's instances get, by name (each with a version: 0 before the allocator
     * looked it up): names as {@link #secrets} takes them, at most {@value #MAX_SECRETS}; null reads
     * as none. Returned sorted.
     */
    public static Map<String, Integer> secretVersions(String field, Map<String, Integer> secrets) {
        Map<String, Integer> out = new TreeMap<>();
        if (secrets == null) {
            return out;
        }
        if (secrets.size() > MAX_SECRETS) {
            throw new ValidationException(field, "has " + secrets.size() + " entries, above the limit of " + MAX_SECRETS);
        }
        secrets.forEach((k, v) -> {
            secretName(k == null ? field : field + "." + k, k);
            if (v == null || v < 0) {
                throw new ValidationException(field + "." + k, "is " + v + ", not a version (0 or more)");
            }
            out.put(k, v);
        });
        return out;
    }

    /** Checks one secret's name: letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64 characters. */
    public static String secretName(String field, String name) {
        if (name == null || !SECRET_NAME.matcher(name).matches()) {
            throw new ValidationException(field,
                    "is not a valid secret name: letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64 characters");
        }
        return name;
    }

    /** Checks one secret's value: at most {@value #MAX_SECRET_BYTES} bytes in UTF-8, never quoted back. */
    public static String secretValue(String field, String value) {
        if (value == null) {
            throw new ValidationException(field, "is required");
        }
        int bytes = value.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (bytes > MAX_SECRET_BYTES) {
            throw new ValidationException(field, "is " + bytes + " bytes, above the limit of " + MAX_SECRET_BYTES);
        }
        return value;
    }

    /**
     * A task's secrets under {@code field}: each name a file name (letters, digits, '.', '_', '-',
     * starting with a letter or digit, at most 64 characters), each value non-null and at most
     * 64 KiB, at most 32 of them; null reads as none. A value is never quoted back in an error.
     */
    public static Map<String, String> secrets(String field, Map<String, String> secrets) {
        Map<String, String> out = new TreeMap<>();
        if (secrets == null) {
            return out;
        }
        if (secrets.size() > MAX_SECRETS) {
            throw new ValidationException(field, "has " + secrets.size() + " entries, above the limit of " + MAX_SECRETS);
        }
        secrets.forEach((k, v) -> {
            secretName(field + "." + k, k);
            if (v == null) {
                throw new ValidationException(field + "." + k, "is null");
            }
            int bytes = v.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            if (bytes > MAX_SECRET_BYTES) {
                throw new ValidationException(field + "." + k, "is " + bytes + " bytes, above the limit of " + MAX_SECRET_BYTES);
            }
            out.put(k, v);
        });
        return out;
    }
}
