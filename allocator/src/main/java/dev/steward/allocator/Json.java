package dev.steward.allocator;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.steward.api.ValidationException;

import java.io.IOException;
import java.util.stream.Collectors;

/**
 * The JSON mapper of the allocator's API (stored rows have their own, store.StoredJson): unknown properties
 * are refused, instants are ISO-8601 strings, nulls are left out. Parse errors become
 * {@link ValidationException}s that name the field by its JSON path.
 */
public final class Json {
    /** Deeper JSON than this is refused as malformed: no request of the API nests more than a few levels. */
    public static final int MAX_NESTING = 64;

    public static final ObjectMapper MAPPER = new ObjectMapper(com.fasterxml.jackson.core.JsonFactory.builder()
            .streamReadConstraints(com.fasterxml.jackson.core.StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING).maxNumberLength(100)
                    .maxStringLength(dev.steward.api.Limits.MAX_BODY_BYTES > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) dev.steward.api.Limits.MAX_BODY_BYTES)
                    .build()).build())
            .registerModule(new JavaTimeModule())
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true)
            .configure(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, true)
            .configure(DeserializationFeature.FAIL_ON_TRAILING_TOKENS, true)
            .configure(DeserializationFeature.ACCEPT_FLOAT_AS_INT, false)
            .configure(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS, false)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL);

    private Json() {
    }

    public static byte[] write(Object o) {
        try {
            return MAPPER.writeValueAsBytes(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON for " + o.getClass().getSimpleName(), e);
        }
    }

    public static String writeString(Object o) {
        try {
            return MAPPER.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON for " + o.getClass().getSimpleName(), e);
        }
    }

    /** A reader per body type, made once: reading a heartbeat's small body should not pay for looking up its type every time. */
    private static final ClassValue<com.fasterxml.jackson.databind.ObjectReader> READERS = new ClassValue<>() {
        @Override
        protected com.fasterxml.jackson.databind.ObjectReader computeValue(Class<?> type) {
            return MAPPER.readerFor(type);
        }
    };

    /** Reads a client's body; every failure is a {@link ValidationException} naming the field. */
    public static <T> T read(byte[] body, Class<T> type) {
        if (body == null || body.length == 0) {
            throw new ValidationException("", "the request body is empty; send a JSON object");
        }
        try {
            T t = READERS.get(type).readValue(body);
            if (t == null) {
                throw new ValidationException("", "the request body is null; send a JSON object");
            }
            return t;
        } catch (UnrecognizedPropertyException e) {
            String known = e.getKnownPropertyIds() == null ? "" : e.getKnownPropertyIds().stream().map(Object::toString).sorted()
                    .collect(Collectors.joining(", "));
            throw new ValidationException(path(e), "unknown field '" + e.getPropertyName() + "'; known fields: " + known);
        } catch (InvalidFormatException e) {
            throw new ValidationException(path(e), "'" + e.getValue() + "' is not a valid " + simple(e.getTargetType()));
        } catch (MismatchedInputException e) {
            String target = e.getTargetType() == null ? "value" : simple(e.getTargetType());
            throw new ValidationException(path(e), "expected " + article(target) + " here");
        } catch (JsonMappingException e) {
            Throwable c = e.getCause();
            if (c instanceof ValidationException v) {
                throw v;
            }
            throw new ValidationException(path(e), e.getOriginalMessage());
        } catch (com.fasterxml.jackson.core.exc.StreamConstraintsException e) {
            throw new ValidationException("", "malformed JSON: " + e.getOriginalMessage() + " (at most " + MAX_NESTING + " levels of nesting)");
        } catch (JsonProcessingException e) {
            var at = e.getLocation(); // absent for some failures: never a reason for a 500
            throw new ValidationException("", "malformed JSON" + (at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr())
                    + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ValidationException("", "unreadable body: " + e.getMessage());
        }
    }

    private static String path(JsonMappingException e) {
        StringBuilder b = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                if (b.length() > 0) {
                    b.append('.');
                }
                b.append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                b.append('[').append(r.getIndex()).append(']');
            }
        }
        return b.toString();
    }

    private static String simple(Class<?> c) {
        if (c == String.class) {
            return "string";
        }
        if (c == Integer.class || c == int.class || c == Long.class || c == long.class) {
            return "whole number";
        }
        if (c == Double.class || c == double.class) {
            return "number";
        }
        if (c == Boolean.class || c == boolean.class) {
            return "boolean (true or false)";
        }
        if (java.util.List.class.isAssignableFrom(c)) {
            return "list";
        }
        if (java.util.Map.class.isAssignableFrom(c) || c.isRecord()) {
            return "object";
        }
        return c.getSimpleName();
    }

    private static String article(String noun) {
        return ("aeiou".indexOf(noun.charAt(0)) >= 0 ? "an " : "a ") + noun;
    }
}
