package dev.steward.api;

/**
 * A role (a team or a Jenkins controller): its weight, guarantee and limit in user units (a
 * resource absent from {@code limit} is unlimited), what it holds now and its weighted
 * dominant share.
 */
public record RoleInfo(String name, double weight, ResourceAmounts guarantee, ResourceAmounts limit, Resources allocated,
                       double dominantShare, int pendingRequests, long createIndex, long modifyIndex) {
}
