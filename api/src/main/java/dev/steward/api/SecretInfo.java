package dev.steward.api;

import java.time.Instant;

/**
 * A service secret as the API shows it: never its value. It belongs to one role's service
 * {@code service} (APP/ENV), whether or not that service exists yet. {@code version} grows by one
 * each time the value is set, which is how a deploy knows the value changed. {@code usedBy} lists
 * the revisions of the service that may run with it now (the one it targets, its stable one, and
 * those with live instances): while it is not empty, the secret cannot be deleted.
 */
public record SecretInfo(String service, String name, String role, int version, Instant createdAt, Instant updatedAt, String updatedBy,
                         java.util.List<Integer> usedBy) {
}
