package dev.steward.steps;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * What a step keeps across a controller restart, as JSON text. Jenkins saves a running step
 * execution with the Pipeline program (JBoss Marshalling), which needs every field Serializable
 * and is not known to handle Java records; a String is always safe. So an execution keeps its
 * request ({@code AllocateRequest}, {@code DeployRequest}, {@code MonitorSpec},
 * {@code PackageRun.Args}) as {@link #save}d text and {@link #load}s it when it needs it.
 */
public final class SavedState {
    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .setSerializationInclusion(JsonInclude.Include.NON_NULL);

    private SavedState() {
    }

    public static String save(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot save " + value.getClass().getSimpleName() + ": " + e.getOriginalMessage(), e);
        }
    }

    public static <T> T load(String json, Class<T> type) {
        try {
            return JSON.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("saved " + type.getSimpleName() + " cannot be read back: " + e.getOriginalMessage(), e);
        }
    }
}
