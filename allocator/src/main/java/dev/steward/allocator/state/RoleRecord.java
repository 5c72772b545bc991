package dev.steward.allocator.state;

import dev.steward.api.Resources;

/** A role as stored: weight, guarantee, limit (scalars absent from the limit are unlimited). */
public record RoleRecord(String name, double weight, Resources guarantee, Resources limit, long createIndex, long modifyIndex, java.util.List<String> users) {
    /** The system users its tasks may run as (none for a record stored before there were any). */
    public java.util.List<String> allowedUsers() {
        return users == null ? java.util.List.of() : users;
    }
}
