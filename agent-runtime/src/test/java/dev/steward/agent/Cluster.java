package dev.steward.agent;

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
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * A real allocator and real agents on loopback, in temporary directories, for end-to-end
 * tests. On close it stops the agents, kills every task process group they started, removes the
 * tasks' cgroups and deletes the directories, whatever state the test left.
 */
final class Cluster implements AutoCloseable {
    static final MediaType JSON = MediaType.get("application/json");
    final Path root;
    Server server;
    final OkHttpClient http;
    final String cgroupParent = "steward-test-" + Long.toHexString(System.nanoTime());
    private final List<Agent> agents = new ArrayList<>();
    private final List<Path> agentDirs = new ArrayList<>();

    Cluster() {
        this(Duration.ofSeconds(30));
    }

    Cluster(Duration heartbeatGrace) {
        this(heartbeatGrace, new java.net.InetSocketAddress("127.0.0.1", 0));
    }

    Cluster(Duration heartbeatGrace, java.net.InetSocketAddress bind) {
        this(c -> c.withHeartbeatGrace(heartbeatGrace).withBind(bind), new OkHttpClient.Builder().readTimeout(Duration.ofSeconds(60)).build());
    }

    /** An allocator configured by {@code config} (e.g. with TLS), called through {@code http}. */
    Cluster(java.util.function.UnaryOperator<ServerConfig> config, OkHttpClient http) {
        this.http = http;
        try {
            root = Files.createTempDirectory("steward-e2e");
            // tasks run as other users: they must be able to pass through to their sandboxes
            Files.setPosixFilePermissions(root, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
            server = Server.start(config.apply(ServerConfig.of(root.resolve("server")).withHeartbeatGrace(Duration.ofSeconds(30))));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Stops the allocator and starts it again on the same address and data directory. */
    void restartServer() throws IOException {
        java.net.InetSocketAddress at = server.address();
        server.close();
        server = Server.start(ServerConfig.of(root.resolve("server")).withHeartbeatGrace(Duration.ofSeconds(30)).withBind(at));
    }

    /** The settings of an agent named {@code name} of this cluster, as config keys. */
    Map<String, String> agentConfig(String name, Map<String, String> extra) {
        Path dir = root.resolve("agent-" + name);
        if (!agentDirs.contains(dir)) {
            agentDirs.add(dir);
        }
        Map<String, String> o = new java.util.LinkedHashMap<>(Map.of("server", server.url(), "data", dir.toString(),
                "name", name, "ports", TestFork.ports(0), "task-uids", TestFork.taskUids(), "cgroup-parent", cgroupParent, "heartbeat-interval", "500ms",
                "sandbox-gc-min-free", "0%", // a nearly full disk on a test machine must not remove sandboxes under a test's feet
                "disk-pressure-free", "0")); // nor stop placement on the test's agents
        if (server.joinToken() != null) { // null: the allocator takes minted join tokens only, which the test gives
            o.put("join-token", server.joinToken());
        }
        o.putAll(extra);
        Path data = Path.of(o.get("data"));
        if (!agentDirs.contains(data)) {
            agentDirs.add(data); // a data directory given elsewhere (outside the cluster's root) is cleared on close too
        }
        return o;
    }

    Agent agent(String name, Map<String, String> extra) throws IOException {
        Agent a = new Agent(AgentConfig.load(null, agentConfig(name, extra)), Clock.systemUTC()).start();
        agents.add(a);
        return a;
    }

    JsonNode call(String method, String path, String body) {
        return callAs(server.adminToken(), method, path, body);
    }

    /** A call with another token (an agent's, a role's). */
    JsonNode callAs(String token, String method, String path, String body) {
        Request.Builder b = new Request.Builder().url(server.url() + path).header("Authorization", "Bearer " + token);
        b.method(method, body == null ? (method.equals("GET") ? null : RequestBody.create(new byte[0], null)) : RequestBody.create(body, JSON));
        try (Response r = http.newCall(b.build()).execute()) {
            String text = r.body().string();
            if (r.code() >= 300) {
                throw new IllegalStateException(method + " " + path + " -> " + r.code() + " " + text);
            }
            return r.header("Content-Type", "").startsWith("application/json") ? Json.MAPPER.readTree(text) : Json.MAPPER.getNodeFactory().textNode(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Allocates {@code cpus}/{@code memory} with the named ports; returns the allocation id. */
    String allocate(String cpus, String memory, String... ports) {
        StringBuilder p = new StringBuilder("[");
        for (String s : ports) {
            p.append(p.length() > 1 ? "," : "").append('"').append(s).append('"');
        }
        JsonNode r = call("POST", "/v1/requests", "{\"cpus\":\"" + cpus + "\",\"memory\":\"" + memory + "\",\"ports\":" + p + "]}");
        return r.path("allocations").get(0).asText();
    }

    String task(String alloc, String specJson) {
        return call("POST", "/v1/allocations/" + alloc + "/tasks", specJson).path("id").asText();
    }

    JsonNode taskInfo(String id) {
        return call("GET", "/v1/tasks/" + id, null);
    }

    @Override
    public void close() throws IOException {
        agents.forEach(Agent::close);
        for (Path d : agentDirs) {
            killTasks(d);
        }
        server.close();
        for (String h : List.of("memory", "cpu", "pids")) {
            removeCgroups(Path.of("/sys/fs/cgroup", h, cgroupParent));
        }
        removeCgroups(Path.of("/sys/fs/cgroup", cgroupParent));
        removeTree(root, false);
        removeLeases(root);
        for (Path d : agentDirs) {
            if (!d.startsWith(root)) {
                removeTree(d, false);
                removeLeases(d);
            }
        }
        http.dispatcher().executorService().shutdown();
    }

    /** Removes the machine-wide uid leases of tasks under {@code root} (a test's agents, killed rather than left to give them back). */
    static void removeLeases(Path root) throws IOException {
        if (!Files.isDirectory(TaskUsers.LEASES)) {
            return;
        }
        try (var leases = Files.list(TaskUsers.LEASES)) {
            for (Path l : (Iterable<Path>) leases::iterator) {
                try {
                    if (Files.readString(l).startsWith(root.toAbsolutePath() + "/")) {
                        Files.deleteIfExists(l);
                    }
                } catch (IOException e) {
                    // given back meanwhile
                }
            }
        }
    }

    /** Kills the process group of every task an agent in {@code dataDir} started. */
    static void killTasks(Path dataDir) throws IOException {
        Path tasks = dataDir.resolve("tasks");
        if (!Files.isDirectory(tasks)) {
            return;
        }
        try (var dirs = Files.list(tasks)) {
            for (Path d : (Iterable<Path>) dirs::iterator) {
                TaskProcess p = TaskProcess.load(d);
                if (p != null && p.alive()) {
                    p.signal("KILL");
                    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !p.alive());
                }
            }
        }
    }

    /**
     * Removes the cgroup tree {@code p}. A killed task's processes (in a pid namespace of their
     * own, not all the wrapper's children) may still be leaving it when their wrapper is gone,
     * and a cgroup that holds a process cannot be removed (EBUSY): it is tried again until it
     * is gone, for up to 10 s, and a tree still there then is an error, not a leak left quietly.
     */
    static void removeCgroups(Path p) {
        try {
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> {
                removeTree(p, true);
                return !Files.exists(p);
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new IllegalStateException("the test's cgroups under " + p + " still hold processes 10 s after their tasks were killed", e);
        }
    }

    static void removeTree(Path p, boolean dirsOnly) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (var all = Files.walk(p)) {
            for (Path x : (Iterable<Path>) all.sorted(Comparator.reverseOrder())::iterator) {
                if (!dirsOnly || Files.isDirectory(x)) {
                    try {
                        Files.deleteIfExists(x);
                    } catch (IOException e) {
                        // a cgroup file cannot be deleted on its own; its directory goes with rmdir
                    }
                }
            }
        }
    }
}
