package dev.steward.allocator.deploy;

import java.time.Instant;

/**
 * A service secret as the state keeps it: one role's value named {@code name} for the service
 * {@code service} (APP/ENV), its version (1 when first set, one more each time it is set again),
 * and who set it last. The value is plain in memory and sealed in the store (like a task's
 * secrets); no read of the API returns it. {@code id} is {@link ServiceSecrets#id}.
 */
public record SecretRecord(String id, String role, String service, String name, String value, int version, Instant createdAt, Instant updatedAt,
                           String updatedBy, long createIndex, long modifyIndex) {

    /** This record with {@code v} in place of its value (sealed for storage, or opened again). */
    public SecretRecord withValue(String v) {
        return new SecretRecord(id, role, service, name, v, version, createdAt, updatedAt, updatedBy, createIndex, modifyIndex);
    }
}
