package dev.steward.allocator.http;

import java.util.List;
import java.util.Map;

/**
 * The classes of HTTP traffic, each with its own bound ({@link HttpLimits}), so that no class
 * can take what another needs: agents (join, heartbeat, task status, their task and allocation
 * queries, parked ones included), API clients' requests, clients' parked blocking queries
 * ({@code ?index=}), streamed transfers (packages, logs), and health checks (answered even
 * while every API client's place is taken).
 */
public enum TrafficClass {
    AGENT("agents' requests"),
    CLIENT("API requests"),
    WATCH("parked blocking queries"),
    TRANSFER("package and log transfers"),
    PROBE("health checks");

    private final String what;

    TrafficClass(String what) {
        this.what = what;
    }

    /** What the class holds, for a refusal a user can read. */
    public String what() {
        return what;
    }

    /** The class of a request, from its method, path and query alone (before any body is read). */
    public static TrafficClass of(String method, String path, Map<String, List<String>> query, boolean streams) {
        if (streams) {
            return TRANSFER;
        }
        if (path.equals("/v1/health")) {
            return PROBE;
        }
        String[] s = path.split("/", -1); // "", "v1", "agents", ID, ...
        if (s.length >= 3 && s[1].equals("v1") && s[2].equals("agents")) {
            if (s.length == 3 && method.equals("POST")) {
                return AGENT; // a join
            }
            if (s.length == 5 && (s[4].equals("heartbeat") || s[4].equals("tasks") || s[4].equals("allocations"))) {
                return AGENT;
            }
            if (s.length == 7 && s[4].equals("tasks") && s[6].equals("status")) {
                return AGENT;
            }
            if (s.length == 6 && s[4].equals("tasks") && s[5].equals("statuses") && method.equals("POST")) {
                return AGENT; // several task reports at once
            }
            if (s.length == 4 && method.equals("PUT")) {
                return AGENT; // an agent updating what it reports
            }
        }
        return query.containsKey("index") && method.equals("GET") ? WATCH : CLIENT;
    }
}
