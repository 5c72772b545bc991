package dev.steward.api;

import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * Where a package came from: the build's URL, job and number, the git commit, who or what made
 * it, and when the build ran. Every field is passed in by the builder (never read from the clock),
 * so the same build packaged twice gives the same bytes.
 */
public record Provenance(String buildUrl, String job, String buildNumber, String gitCommit, String createdBy, String builtAt) {

    public static final Provenance NONE = new Provenance(null, null, null, null, null, null);

    public Provenance validate() {
        text("buildUrl", buildUrl, 2048);
        text("job", job, 512);
        text("buildNumber", buildNumber, 64);
        text("createdBy", createdBy, 256);
        if (gitCommit != null && !gitCommit.matches("[0-9a-fA-F]{7,64}")) {
            throw new ValidationException("gitCommit", "'" + gitCommit + "' is not a git commit id (7 to 64 hex digits)");
        }
        if (builtAt != null) {
            try {
                Instant.parse(builtAt);
            } catch (DateTimeParseException e) {
                throw new ValidationException("builtAt", "'" + builtAt + "' is not an ISO-8601 instant such as 2026-11-27T14:00:00Z");
            }
        }
        return this;
    }

    static void text(String field, String value, int max) {
        ControlChars.label(field, value, max);
    }
}
