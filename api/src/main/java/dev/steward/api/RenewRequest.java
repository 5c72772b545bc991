package dev.steward.api;

/** Body of {@code POST /v1/allocations/ID/renew}: a new TTL from now, or absent for the allocation's own. */
public record RenewRequest(String ttl) {
}
