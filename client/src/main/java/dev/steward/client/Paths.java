package dev.steward.client;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * API paths built from segments: every name or id a caller gives is percent-encoded as one path
 * segment, so a name holding '/', '?', '%' or a space can never address another route.
 */
public final class Paths {
    private Paths() {
    }

    /** {@code "/v1"} followed by each segment, encoded; an empty, "." or ".." segment is refused. */
    public static String v1(String... segments) {
        StringBuilder b = new StringBuilder("/v1");
        for (String s : segments) {
            b.append('/').append(segment(s));
        }
        return b.toString();
    }

    static String segment(String s) {
        if (s == null || s.isEmpty() || s.equals(".") || s.equals("..")) {
            throw new IllegalArgumentException("'" + s + "' cannot be a name or id in a path");
        }
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
