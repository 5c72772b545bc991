package dev.steward.api;

import java.util.Map;

/** Body of {@code PUT /v1/agents/ID/heartbeat}: optional usage figures (e.g. {@code cpuMillis}, {@code memoryMib}). */
public record Heartbeat(Map<String, Long> usage) {
}
