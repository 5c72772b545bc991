package dev.steward.api;

import java.util.regex.Pattern;

/** Small checks shared by the wire types; each throws {@link ValidationException} naming the field and the limit. */
public final class Validation {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    private Validation() {
    }

    public static long atMost(String field, long value, long max, String maxText) {
        if (value > max) {
            throw new ValidationException(field, "is " + value + ", above the limit of " + maxText);
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
}
