package dev.steward.api;

/**
 * A role (a team or a Jenkins controller): its weight, guarantee and limit in user units (a
 * resource absent from {@code limit} is unlimited), what it holds now and its weighted
 * dominant share; {@code users}, the system users its tasks may run as; {@code maxPriority}, the
 * highest priority its requests and services may ask at.
 */
public record RoleInfo(String name, double weight, ResourceAmounts guarantee, ResourceAmounts limit, Resources allocated,
                       double dominantShare, int pendingRequests, long createIndex, long modifyIndex,
                       java.util.List<String> users, int maxPriority) {
}
