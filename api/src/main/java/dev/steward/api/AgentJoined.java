package dev.steward.api;

/** Answer to a registration: the agent as stored and its own token, shown only this once. */
public record AgentJoined(AgentInfo agent, String token) {
}
