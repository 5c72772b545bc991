package dev.steward.allocator.http;

import dev.steward.allocator.state.ClusterState;
import dev.steward.allocator.state.TokenRecord;
import dev.steward.api.AgentInfo;
import dev.steward.api.AgentSignature;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Where the allocator reaches an agent's log server (its {@code address} attribute) and the key
 * it signs requests with (the agent's token hash, which both sides hold): log reads, and
 * commands run in tasks.
 */
public record AgentTarget(String address, String key) {

    /** The target of the agent {@code agentId}; an agent without an address or token is a 502 with the reason. */
    public static AgentTarget of(ClusterState s, String agentId) {
        AgentInfo a = s.agent(agentId);
        String address = a.attributes().get("address");
        if (address == null) {
            throw new ApiError(502, "Bad Gateway", "agent " + a.name() + " has no 'address' attribute, so its logs cannot be read", null);
        }
        String key = s.tokens().stream().filter(k -> k.kind() == TokenRecord.Kind.AGENT && k.subject().equals(a.id()))
                .map(TokenRecord::hash).findFirst().orElseThrow(() -> new ApiError(502, "Bad Gateway", "agent " + a.name() + " has no token", null));
        return new AgentTarget(address, key);
    }

    /** A signed request for a task's log bytes from {@code offset}. */
    public HttpRequest logRequest(String taskId, String stream, long offset, String wait, Duration timeout, long nowMillis) {
        String path = "/v1/tasks/" + enc(taskId) + "/logs";
        String query = "stream=" + stream + "&offset=" + offset + (wait == null ? "" : "&wait=" + enc(wait));
        return HttpRequest.newBuilder(URI.create(address + path + "?" + query)).timeout(timeout)
                .header(AgentSignature.HEADER, AgentSignature.sign(key, nowMillis, path + "?" + query)).GET().build();
    }

    /**
     * A signed request that runs {@code command} in a task, once: the command, its timeout and a
     * fresh nonce all travel in the signed query, so the signature covers them and the agent
     * refuses the same request a second time.
     */
    public HttpRequest execRequest(String taskId, java.util.List<String> command, Duration commandTimeout, Duration timeout, long nowMillis) {
        String path = "/v1/tasks/" + enc(taskId) + "/exec";
        byte[] n = new byte[16];
        NONCES.nextBytes(n);
        StringBuilder query = new StringBuilder("nonce=").append(java.util.HexFormat.of().formatHex(n))
                .append("&timeout=").append(commandTimeout.toMillis()).append("ms");
        for (String w : command) {
            query.append("&arg=").append(enc(w));
        }
        return HttpRequest.newBuilder(URI.create(address + path + "?" + query)).timeout(timeout)
                .header(AgentSignature.HEADER, AgentSignature.sign(key, nowMillis, path + "?" + query)).POST(HttpRequest.BodyPublishers.noBody()).build();
    }

    private static final java.security.SecureRandom NONCES = new java.security.SecureRandom();

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
