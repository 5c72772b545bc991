package dev.steward.api;

import java.time.Instant;

/** One line of a deployment's progress, numbered from 1. */
public record DeploymentEvent(long seq, Instant at, String message) {
}
