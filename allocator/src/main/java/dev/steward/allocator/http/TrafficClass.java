package dev.steward.allocator.http;

import java.util.List;
import java.util.Map;

/**
 * The classes of HTTP traffic, each with its own bound ({@link HttpLimits}), so that no class
 * can take what another needs: agents (join, heartbeat, task status, their task and allocation
 * queries, parked ones included), API clients' requests, clients' parked blocking queries
 * ({@code ?index=}) and log follows ({@code ?wait=}), clients' streamed package transfers, agents' package downloads, and health
 * checks (answered even while every API client's place is taken).
 */
public enum TrafficClass {
    AGENT("agents' requests"),
    CLIENT("API requests"),
    WATCH("parked blocking queries and log follows"),
    TRANSFER("package transfers"),
    /** Agents' package downloads: never behind clients' transfers, which a tenant can hold open for as long as it sends 1 KiB a second. */
    AGENT_TRANSFER("agents' package downloads"),
    PROBE("health checks");

    private final String what;

    TrafficClass(String what) {
        this.what = what;
    }

    /**
     * Whether each bearer token may hold only a share of the class's places ({@link TokenShares}):
     * the classes clients hold open for as long as they like (API requests with slow bodies,
     * parked queries, transfers). Agents' classes are held by thousands of agents, one request
     * or two each, and health checks by no token at all.
     */
    public boolean sharedByTokens() {
        return this == CLIENT || this == WATCH || this == TRANSFER;
    }

    /** What the class holds, for a refusal a user can read. */
    public String what() {
        return what;
    }

    /**
     * The class of a request, from its method, path, query and whether its bearer token has the
     * shape of an agent's ({@link #agentShaped}), before any body is read. A client that
     * sends something shaped like an agent's token to get an agent's place is refused (401) from
     * its head, before it takes one ({@link HttpApi#refuseEarly}).
     */
    public static TrafficClass of(String method, String path, Map<String, List<String>> query, boolean streams, boolean agentToken) {
        if (streams) {
            return agentToken && (method.equals("GET") || method.equals("HEAD")) ? AGENT_TRANSFER : TRANSFER;
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
        // a GET that may wait (a blocking query's index, a log follow's wait) holds no thread while it waits, and may wait
        // minutes: it takes a parked query's place, so a few hundred `steward logs -f` never fill the API's places
        return method.equals("GET") && (query.containsKey("index") || query.containsKey("wait")) ? WATCH : CLIENT;
    }

    /**
     * Whether a request runs a command in a task ({@code POST /v1/tasks/ID/exec}): an API request
     * (its answer is up to 4 MiB, so it keeps the API's smaller bound) whose connection is
     * watched while the command runs, as a parked query's is, so that a caller that leaves has
     * the command killed.
     */
    public static boolean runsInTask(String method, String path) {
        String[] s = path.split("/", -1);
        return method.equals("POST") && s.length == 5 && s[1].equals("v1") && s[2].equals("tasks") && s[4].equals("exec");
    }

    /**
     * Whether an {@code Authorization} header carries a token of the shape the allocator mints for
     * agents: {@code sta_} and 64 hex digits (the admin, join, metrics and peer tokens have a word
     * after {@code sta_}, role tokens start {@code str_}). Only the shape: the token itself is checked before the place is taken.
     */
    public static boolean agentShaped(String authorization) {
        if (authorization == null || authorization.length() != 7 + 4 + 64 || !authorization.regionMatches(true, 0, "Bearer sta_", 0, 11)) {
            return false;
        }
        for (int i = 11; i < authorization.length(); i++) {
            char c = authorization.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }
}
