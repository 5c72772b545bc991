package dev.steward.allocator.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steward.allocator.Json;
import dev.steward.allocator.Server;
import dev.steward.allocator.ServerConfig;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;

/** A real allocator on 127.0.0.1 (a port from the OS) in a temporary data directory, and an OkHttp client for it. */
final class LiveServer implements AutoCloseable {
    static final MediaType JSON = MediaType.get("application/json");
    final Path dir;
    final Server server;
    private final boolean ownsDir;
    final OkHttpClient http = new OkHttpClient.Builder().readTimeout(Duration.ofSeconds(60)).build();

    record Reply(int code, String contentType, JsonNode body, String index) {
    }

    LiveServer(Duration heartbeatGrace) {
        this(c -> c.withHeartbeatGrace(heartbeatGrace));
    }

    /** A server whose configuration {@code tweak} adjusts (HTTP bounds, grace, ...). */
    LiveServer(java.util.function.UnaryOperator<ServerConfig> tweak) {
        this(null, tweak);
    }

    /** A server on {@code existing} data (an allocator started again), which it leaves in place when closed; null for a fresh directory. */
    LiveServer(Path existing, java.util.function.UnaryOperator<ServerConfig> tweak) {
        this(existing, tweak, Server.Embedding.ALONE);
    }

    /** As above, its store made by {@code embedding} (a store a test can make fail). */
    LiveServer(Path existing, java.util.function.UnaryOperator<ServerConfig> tweak, Server.Embedding embedding) {
        this(existing, tweak, embedding, java.time.Clock.systemUTC());
    }

    /** As above, on {@code clock}. */
    LiveServer(Path existing, java.util.function.UnaryOperator<ServerConfig> tweak, Server.Embedding embedding, java.time.Clock clock) {
        try {
            ownsDir = existing == null;
            dir = existing == null ? Files.createTempDirectory("steward-api-test") : existing;
            server = Server.start(tweak.apply(ServerConfig.of(dir).withHeartbeatGrace(Duration.ofSeconds(30))), clock, embedding);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    LiveServer() {
        this(Duration.ofSeconds(30));
    }

    String admin() {
        return server.adminToken();
    }

    Reply call(String method, String path, String token, String body) {
        return call(method, path, token, body, java.util.Map.of());
    }

    /** As {@link #call(String, String, String, String)}, with {@code headers} too. */
    Reply call(String method, String path, String token, String body, java.util.Map<String, String> headers) {
        Request.Builder b = new Request.Builder().url(server.url() + path);
        headers.forEach(b::header);
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        RequestBody rb = body == null ? (method.equals("POST") || method.equals("PUT") ? RequestBody.create(new byte[0], null) : null)
                : RequestBody.create(body, JSON);
        b.method(method, rb);
        try (Response r = http.newCall(b.build()).execute()) {
            String text = r.body() == null ? "" : r.body().string();
            JsonNode node = text.isEmpty() ? null : Json.MAPPER.readTree(text);
            return new Reply(r.code(), r.header("Content-Type"), node, r.header("X-Steward-Index"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Reply get(String path, String token) {
        return call("GET", path, token, null);
    }

    Reply post(String path, String token, String body) {
        return call("POST", path, token, body);
    }

    Reply put(String path, String token, String body) {
        return call("PUT", path, token, body);
    }

    /** Registers an agent with the join token; returns {id, token}. */
    String[] agent(String name, String cpus, String memory) {
        Reply r = post("/v1/agents", server.joinToken(), "{\"name\":\"" + name + "\",\"cpus\":\"" + cpus + "\",\"memory\":\"" + memory
                + "\",\"ports\":\"21000-21100\",\"attributes\":{\"os\":\"linux\"}}");
        if (r.code() != 201) {
            throw new IllegalStateException("registration failed: " + r);
        }
        return new String[] {r.body().path("agent").path("id").asText(), r.body().path("token").asText()};
    }

    /** Heartbeats for each agent (as {@link #agent} registered it), and plays its tasks once. */
    void alive(String[]... agents) {
        for (String[] a : agents) {
            Reply r = put("/v1/agents/" + a[0] + "/heartbeat", a[1], "{\"usage\":{}}");
            if (r.code() != 200) {
                throw new IllegalStateException("heartbeat refused: " + r);
            }
            play(a);
        }
    }

    /** Plays agent {@code agent} (as {@link #agent} registered it) once: what it was given runs, what it is asked to stop ends. */
    void play(String[] agent) {
        for (JsonNode t : get("/v1/agents/" + agent[0] + "/tasks", agent[1]).body()) {
            String state = t.path("state").asText();
            long seq = t.path("lastSeq").asLong();
            String next = t.path("stopRequested").asBoolean() ? (state.equals("KILLED") ? null : "KILLED") : state.equals("PENDING") ? "RUNNING" : null;
            if (next != null) {
                Reply r = put("/v1/agents/" + agent[0] + "/tasks/" + t.path("id").asText() + "/status", agent[1],
                        "{\"seq\":" + (seq + 1) + ",\"state\":\"" + next + "\",\"pid\":" + (1000 + seq) + "}");
                if (r.code() != 200) {
                    throw new IllegalStateException("status report refused: " + r);
                }
            }
        }
    }

    /** Builds a package of one file, run.sh ({@code script}), with the command {@code sh run.sh}, and uploads it as admin; returns its digest. */
    String uploadScript(String script) {
        return uploadScript(script, admin());
    }

    /** As {@link #uploadScript(String)}, uploaded with {@code token}. */
    String uploadScript(String script, String token) {
        try {
            Path tree = Files.createDirectories(dir.resolve("tree-" + Integer.toHexString(script.hashCode())));
            Files.writeString(tree.resolve("run.sh"), script);
            return uploadTree(tree, token);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Packages {@code tree} (its command {@code sh run.sh}) and uploads it as admin; returns its digest. */
    String uploadTree(Path tree) {
        return uploadTree(tree, admin());
    }

    /** Packages {@code tree} (its command {@code sh run.sh}) and uploads it with {@code token}; returns its digest. */
    String uploadTree(Path tree, String token) {
        try {
            Path out = tree.resolveSibling(tree.getFileName() + ".tar.zst");
            dev.steward.pkg.BuiltPackage p = dev.steward.pkg.PackageBuilder.from(tree)
                    .manifest(new dev.steward.api.PackageManifest(null, "web", "1", "sh run.sh", null, java.util.List.of(), null, null, null)).writeTo(out);
            Request up = new Request.Builder().url(server.url() + "/v1/packages/" + p.digest()).header("Authorization", "Bearer " + token)
                    .put(RequestBody.create(Files.readAllBytes(out), MediaType.get("application/octet-stream"))).build();
            try (Response resp = http.newCall(up).execute()) {
                if (resp.code() != 201) {
                    throw new IllegalStateException("upload failed: " + resp.code());
                }
            }
            return p.digest();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Starts a task of {@code /bin/true} named {@code name} in allocation {@code alloc} as admin; returns its id. */
    String task(String alloc, String name) {
        return post("/v1/allocations/" + alloc + "/tasks", admin(), "{\"name\":\"" + name + "\",\"command\":\"/bin/true\"}").body().path("id").asText();
    }

    @Override
    public void close() {
        server.close();
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
        if (!ownsDir) {
            return;
        }
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
