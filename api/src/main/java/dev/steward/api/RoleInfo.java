package dev.steward.api;

/** A role (a team or a Jenkins controller): its weight, guarantee and limit, what it holds now and its dominant share. */
public record RoleInfo(String name, double weight, Resources guarantee, Resources limit, Resources allocated,
                       double dominantShare, int pendingRequests, long createIndex, long modifyIndex) {
}
