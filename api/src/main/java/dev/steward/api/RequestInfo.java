package dev.steward.api;

import java.time.Instant;
import java.util.List;

/** A request as stored: what was asked, its state, the allocations placed so far, and why the rest are pending. */
public record RequestInfo(String id, String role, AllocateRequest request, RequestState state, int placed, List<String> allocations,
                          Instant createdAt, long sequence, PlacementDiagnosis why, long createIndex, long modifyIndex) {
}
