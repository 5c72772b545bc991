package dev.steward.allocator.deploy;

import java.time.Instant;

/** What the reconciler needs of a service: instances wanted, the current, stable and active revisions, and the replacement backoff. */
public record ServiceView(int instances, int revision, Integer stable, Integer active, Instant replaceNotBefore) {
}
