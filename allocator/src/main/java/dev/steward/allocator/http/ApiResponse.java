package dev.steward.allocator.http;

import dev.steward.allocator.Json;
import dev.steward.api.Problem;

import java.util.LinkedHashMap;
import java.util.Map;

/** An HTTP response in transport-neutral form. */
public record ApiResponse(int status, String contentType, Map<String, String> headers, byte[] body) {

    public static ApiResponse json(int status, Object body) {
        return new ApiResponse(status, "application/json", new LinkedHashMap<>(), Json.write(body));
    }

    public static ApiResponse problem(int status, String title, String detail, String field) {
        return new ApiResponse(status, "application/problem+json", new LinkedHashMap<>(),
                Json.write(new Problem("about:blank", title, status, detail, field == null || field.isEmpty() ? null : field)));
    }

    public ApiResponse header(String name, String value) {
        headers.put(name, value);
        return this;
    }
}
