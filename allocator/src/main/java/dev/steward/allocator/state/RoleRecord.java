package dev.steward.allocator.state;

import dev.steward.api.Resources;

/** A role as stored: weight, guarantee, limit (scalars absent from the limit are unlimited). */
public record RoleRecord(String name, double weight, Resources guarantee, Resources limit, long createIndex, long modifyIndex) {
}
