package dev.steward.api;

import java.time.Instant;

/** One line of an allocation's history: when, into which state (or "renewed"), and why. */
public record HistoryEvent(Instant at, String event, String message) {
}
