package dev.steward.allocator.http;

import dev.steward.allocator.Json;
import dev.steward.api.Problem;

import java.util.LinkedHashMap;
import java.util.Map;

/** An HTTP response in transport-neutral form; a large body is a {@link BodyWriter} that streams it. */
public record ApiResponse(int status, String contentType, Map<String, String> headers, byte[] body, BodyWriter writer) {

    /** A body written straight to the connection: its length, then its bytes. */
    public interface BodyWriter {
        long length();

        void writeTo(java.io.OutputStream out) throws java.io.IOException;
    }

    public ApiResponse(int status, String contentType, Map<String, String> headers, byte[] body) {
        this(status, contentType, headers, body, null);
    }

    public static ApiResponse stream(int status, String contentType, BodyWriter writer) {
        return new ApiResponse(status, contentType, new LinkedHashMap<>(), new byte[0], writer);
    }

    public static ApiResponse json(int status, Object body) {
        return new ApiResponse(status, "application/json", new LinkedHashMap<>(), Json.write(body));
    }

    public static ApiResponse problem(int status, String title, String detail, String field) {
        return new ApiResponse(status, "application/problem+json", new LinkedHashMap<>(),
                Json.write(new Problem("about:blank", title, status, detail, field == null || field.isEmpty() ? null : field)));
    }

    /** An agent's failure passed on ({@link Problem#AGENT}): a client tells it from the allocator's own. */
    public static ApiResponse agentProblem(int status, String title, String detail) {
        return new ApiResponse(status, "application/problem+json", new LinkedHashMap<>(), Json.write(new Problem(Problem.AGENT, title, status, detail, null)));
    }

    /**
     * Said on a 503 of a request the allocator did nothing with (refused before it was read, or a
     * command that never ran): any client may send it again, a POST too, as after a follower's 307.
     */
    public static final String NOT_APPLIED = "X-Steward-Not-Applied";

    public ApiResponse header(String name, String value) {
        headers.put(name, value);
        return this;
    }
}
