package dev.steward.api;

/**
 * The body of {@code PUT /v1/services/APP/ENV/secrets/NAME}: the value, at most
 * {@value Validation#MAX_SECRET_BYTES} bytes in UTF-8. It is written only: no read returns it.
 */
public record SecretValue(String value) {
    /** The value, checked; an error never quotes it. */
    public String checked() {
        return Validation.secretValue("value", value);
    }
}
