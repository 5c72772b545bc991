package dev.steward.api;

import java.util.Map;

/** Body of {@code PUT /v1/agents/ID/heartbeat}: optional usage figures (e.g. {@code cpuMillis}, {@code memoryMib}). */
public record Heartbeat(Map<String, Long> usage) {

    /** At most 10,000 figures, each named in at most 128 characters. */
    public Heartbeat validate() {
        if (usage != null) {
            if (usage.size() > 10_000) {
                throw new ValidationException("usage", "has " + usage.size() + " entries, above the limit of 10000");
            }
            for (Map.Entry<String, Long> e : usage.entrySet()) {
                if (e.getKey() == null || e.getKey().isEmpty() || e.getKey().length() > 128) {
                    throw new ValidationException("usage", "names must be 1 to 128 characters");
                }
                if (e.getValue() == null) {
                    throw new ValidationException("usage." + e.getKey(), "is null");
                }
            }
        }
        return this;
    }
}
