package dev.steward.api;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * An agent as the allocator knows it. {@code allocated} is what its live allocations hold;
 * {@code draining} means no new placements and its allocations are asked to leave;
 * {@code drainDeadline}, when a drain has one, is when the leases of those still there end.
 * {@code joined} is how it joined (null for an agent that joined before the allocator kept it).
 */
public record AgentInfo(String id, String name, AgentStatus status, boolean draining, Resources total, int gpus, String gpuModel,
                        List<AgentRegistration.PortRange> ports, Map<String, String> attributes, Instant registeredAt,
                        Instant lastHeartbeat, Map<String, Long> usage, Resources allocated, long createIndex, long modifyIndex,
                        Instant drainDeadline, Joined joined) {

    /**
     * How an agent joined: the address its join came from, as the allocator saw the connection,
     * and the minted join token it used ({@code joinToken}, that token's id; null: the data
     * directory's static join token, or the admin's). What an admin checks when a join token may
     * have leaked: a join from an address none of its machines has.
     */
    public record Joined(String from, String joinToken) {
    }

    /** Where an agent's tasks answer: the host of its {@code address} attribute, else its {@code hostname}; null when it has neither. */
    public static String hostOf(Map<String, String> attributes) {
        if (attributes == null) {
            return null;
        }
        String addr = attributes.get("address");
        if (addr != null) {
            try {
                String h = java.net.URI.create(addr).getHost();
                if (h != null) {
                    return h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
                }
            } catch (IllegalArgumentException e) {
                // not a URI: the hostname, below
            }
        }
        return attributes.get("hostname");
    }
}
