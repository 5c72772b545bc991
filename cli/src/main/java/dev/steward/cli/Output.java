package dev.steward.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import java.io.IOException;

/** {@code --output json}: one JSON document on stdout. */
final class Output {
    private static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .configure(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS, false)
            .setSerializationInclusion(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL);

    private Output() {
    }

    static String string(Object o) throws IOException {
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(o) + "\n";
    }

    static void json(Object o) throws IOException {
        System.out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(o));
    }
}
