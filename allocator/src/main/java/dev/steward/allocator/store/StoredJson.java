package dev.steward.allocator.store;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

/**
 * The mapper of stored rows, apart from the API's: it tolerates fields it does not know (a row
 * written by a newer patch, or a field retired without a migration, is read rather than refused),
 * writes instants as ISO-8601 and leaves nulls out. The API's mapper stays strict for clients;
 * what is stored is read through {@link Migrations} first, then this.
 */
final class StoredJson {
    static final ObjectMapper MAPPER = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, false)
            .configure(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS, false)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL);

    private StoredJson() {
    }

    static String write(Object row) {
        try {
            return MAPPER.writeValueAsString(row);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a " + row.getClass().getSimpleName() + " row", e);
        }
    }

    static ObjectNode tree(String json, Store.Table t, String id) {
        try {
            return (ObjectNode) MAPPER.readTree(json);
        } catch (JsonProcessingException | ClassCastException e) {
            throw new IllegalStateException("stored row " + t + "/" + id + " is not a JSON object: " + e.getMessage(), e);
        }
    }

    static <T> T read(ObjectNode row, Class<T> type, Store.Table t, String id) {
        try {
            return MAPPER.treeToValue(row, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored row " + t + "/" + id + " does not read as " + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }
}
