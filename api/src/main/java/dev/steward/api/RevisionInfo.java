package dev.steward.api;

import java.time.Instant;

/**
 * An immutable revision of a service: its number, what runs, and where it came from: who made
 * it and when, the build, and for a promotion the environment and revision it was copied from,
 * for a rollback the revision it returns to, for a restart the revision whose package and config
 * it runs again ({@code restartOf}: its spec is that revision's, with each secret at its version
 * now). {@code stable} marks revisions whose deployment fully succeeded (the ones a rollback may
 * return to).
 */
public record RevisionInfo(String service, int number, RunSpec spec, Instant createdAt, String createdBy, String buildUrl, String promotedFrom,
                           Integer rolledBackTo, Integer restartOf, boolean stable) {
}
