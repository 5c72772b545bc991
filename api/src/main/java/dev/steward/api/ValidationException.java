package dev.steward.api;

/** Bad input from a client: names the field (a JSON path such as {@code constraints[1].op}) and says what is wrong. */
public final class ValidationException extends RuntimeException {
    private final String field;

    public ValidationException(String field, String message) {
        super(field == null || field.isEmpty() ? message : field + ": " + message);
        this.field = field;
    }

    public String field() {
        return field;
    }

    /** The message without the field prefix. */
    public String reason() {
        String m = getMessage();
        return field == null || field.isEmpty() ? m : m.substring(field.length() + 2);
    }

    /** Prefixes the field with a parent path, e.g. {@code guarantee} + {@code cpus} = {@code guarantee.cpus}. */
    public ValidationException under(String parent) {
        String f = field == null || field.isEmpty() ? parent : (field.startsWith("[") ? parent + field : parent + "." + field);
        return new ValidationException(f, reason());
    }
}
