package dev.steward.api;

/**
 * An error body ({@code application/problem+json}, RFC 9457): {@code status}, a short
 * {@code title}, a {@code detail} a user can act on and, for bad input, the {@code field}.
 * {@code type} is {@code about:blank} (the status says it all) but for {@link #AGENT}.
 */
public record Problem(String type, String title, int status, String detail, String field) {
    /**
     * The type of an agent's failure passed on by the allocator (a log read the agent refused,
     * a 503 of its own): the allocator itself is answering, so a client can tell the agent's
     * 503 from the allocator's.
     */
    public static final String AGENT = "tag:steward.dev,2026:problem:agent";

    /** Whether the allocator passed this on from an agent ({@link #AGENT}). */
    public boolean fromAgent() {
        return AGENT.equals(type);
    }
}
