package dev.steward.api;

/** An agent is {@code READY} while it heartbeats within the grace, {@code LOST} after, and READY again when it comes back. */
public enum AgentStatus { READY, LOST }
