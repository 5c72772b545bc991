package dev.steward.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steward.agent.Agent;
import dev.steward.agent.AgentConfig;
import dev.steward.allocator.Server;
import dev.steward.allocator.ServerConfig;
import dev.steward.client.StewardClient;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The agent's costs, in one run: (1) launch latency of one task, from the API call to the
 * allocator seeing it RUNNING, against a bare ProcessBuilder start of the same command; (2) tasks
 * started per second on one agent; (3) the resident memory of an idle agent process started with
 * the JVM flags it ships with (packaging/systemd), from the shipped jar cli/target/steward.jar.
 * Usage: AgentBench [-Druns=30] [-Dtasks=100] [-Dclients=8] (clients: how many submit the burst's tasks at once)
 */
public final class AgentBench {
    /** The flags the agent ships with: the same as in packaging/systemd/steward-agent.service and ./steward. */
    static final List<String> SHIPPED_FLAGS = List.of("-Xmx24m -Xms4m -Xmn2m -Xss256k -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=8m -XX:CICompilerCount=1 -XX:MaxMetaspaceSize=40m".split(" "));

    private AgentBench() {
    }

    /** The agent's line per task status (kept referenced, so its level holds): hundreds of starts would drown the figures. */
    private static final java.util.logging.Logger TASK_EVENTS = java.util.logging.Logger.getLogger("dev.steward.agent.TaskEvents");

    public static void main(String[] args) throws Exception {
        TASK_EVENTS.setLevel(java.util.logging.Level.WARNING);
        int runs = Integer.getInteger("runs", 30);
        int taskCount = Integer.getInteger("tasks", 100);
        // --private-tmp off: tasks share the machine's /tmp, to price a task's own (on, as a root agent's default)
        boolean privateTmp = java.util.Collections.indexOfSubList(List.of(args), List.of("--private-tmp", "off")) < 0;
        // --private-ipc off: tasks share the machine's IPC and /dev/shm, to price their own (on, as a root agent's default)
        boolean privateIpc = java.util.Collections.indexOfSubList(List.of(args), List.of("--private-ipc", "off")) < 0;
        // as root, the data under /var/lib as a real agent's (/var/lib/steward/agent): one under /tmp cannot give tasks a /tmp of their own
        Path root = root() ? Files.createTempDirectory(Path.of("/var/lib"), "steward-agent-bench") : Files.createTempDirectory("steward-agent-bench");
        Files.setPosixFilePermissions(root, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
        Server server = Server.start(ServerConfig.of(root.resolve("server")));
        Map<String, String> cfg = Map.of("server", server.url(), "join-token", server.joinToken(), "data", root.resolve("agent").toString(),
                "name", "bench", "ports", "25000-25999", "cgroup-parent", "steward-bench", "heartbeat-interval", "1s",
                "task-private-tmp", privateTmp ? "on" : "off", "task-private-ipc", privateIpc ? "on" : "off");
        Agent agent = new Agent(AgentConfig.load(null, cfg), Clock.systemUTC()).start();
        boolean ownTmp = agent.detected().contains("task-private-tmp");
        boolean hides = agent.detected().contains("task-hide-processes");
        boolean ipc = agent.detected().contains("task-private-ipc");
        System.out.println("tasks' own /tmp (task-private-tmp): " + (ownTmp ? "on: each start is also an unshare and two bind mounts"
                + (hides ? ", and a proc mount (task-hide-processes)" : "") + (ipc ? ", an IPC namespace and a tmpfs on /dev/shm (task-private-ipc)" : "")
                : "off" + (root() ? "" : " (not root)")));
        StewardClient api = StewardClient.builder(server.url()).token(server.adminToken()).build();
        try {
            String alloc = api.call("POST", "/v1/requests", Map.of("cpus", "1", "memory", "1g"), JsonNode.class, false)
                    .path("allocations").get(0).asText();
            // 1. launch latency: API call -> RUNNING as the allocator sees it, one task at a time, and where the time goes
            List<Long> viaAgent = new ArrayList<>();
            Map<String, List<Long>> parts = new java.util.LinkedHashMap<>();
            double[] writesBefore = null;
            // the first launches of a fresh process run interpreted and half-compiled code: they are measured apart ("cold"),
            // and the figure compared with the floor is taken after the warm-ups, as a long-running allocator and agent run
            int warmups = Integer.getInteger("warmups", 150);
            List<Long> cold = new ArrayList<>();
            for (int i = 0; i < runs + warmups; i++) {
                if (i == warmups) {
                    writesBefore = storeWrites(server); // the writes of the measured launches only
                }
                long t0 = System.nanoTime();
                String id = api.call("POST", "/v1/allocations/" + alloc + "/tasks", Map.of("name", "lat" + i, "command", "sleep", "args", List.of("60")),
                        JsonNode.class, false).path("id").asText();
                long acked = System.nanoTime();
                awaitState(api, id, "RUNNING");
                long seen = System.nanoTime();
                if (i >= 3 && i < 3 + runs && i < warmups) {
                    cold.add(seen - t0);
                }
                if (i >= warmups) {
                    viaAgent.add(seen - t0);
                    long until = System.nanoTime() + Duration.ofSeconds(5).toNanos(); // the reporter may hear the allocator's answer after the client did
                    while (!agent.launchTimes(id).containsKey(dev.steward.agent.LaunchTimes.Stage.ACKNOWLEDGED) && System.nanoTime() < until) {
                        Thread.onSpinWait();
                    }
                    breakdown(parts, t0, acked, agent.launchTimes(id), seen);
                }
                api.call("POST", "/v1/tasks/" + id + "/stop", null, JsonNode.class, false);
                awaitState(api, id, "KILLED");
            }
            double[] writesAfter = storeWrites(server);
            List<Long> bare = new ArrayList<>();
            for (int i = 0; i < runs + warmups; i++) {
                long t0 = System.nanoTime();
                Process p = new ProcessBuilder("sleep", "60").start();
                long d = System.nanoTime() - t0;
                if (i >= warmups) {
                    bare.add(d);
                }
                p.destroyForcibly().waitFor();
            }
            double a = median(viaAgent) / 1e6;
            double b = median(bare) / 1e6;
            System.out.printf("launch latency (median of %d, after %d warm-up launches): through the agent %.1f ms (API call to RUNNING seen by the "
                    + "allocator), bare ProcessBuilder.start %.2f ms; ratio x%.0f%n", runs, warmups, a, b, a / b);
            if (!cold.isEmpty()) {
                System.out.printf("  cold: the median of launches 4 to %d of the fresh process was %.1f ms%n", 3 + cold.size(), median(cold) / 1e6);
            }
            System.out.println("  where a launch's time goes (median of each part; the parts' medians need not add up to the whole):");
            parts.forEach((k, v) -> System.out.printf("    %-72s %7.2f ms%n", k, median(v) / 1e6));
            double fsync = median(fsyncs(root.resolve("server"), runs)) / 1e6;
            double mkdir = cgroupMkdir(runs);
            double floor = b + 3 * fsync;
            System.out.printf("  unavoidable parts, measured now: bare spawn %.2f ms; fsync on the data directory's disk %.2f ms; cgroup mkdir+rmdir %s%n",
                    b, fsync, Double.isNaN(mkdir) ? "n/a (no cgroup v1 memory hierarchy, or not root)" : String.format("%.2f ms", mkdir));
            System.out.printf("  paid during these launches: the allocator's durable writes took %.2f ms each on average (%.0f writes, SQLite commit and "
                    + "fsync, with the agent's files written on the same disk); one exec of a small program costs %.2f ms here (spawn of `env true` "
                    + "less spawn of `true`), and a start execs five (jspawnhelper, setsid, sh, setpriv, the command) where a bare spawn execs two%n",
                    (writesAfter[0] - writesBefore[0]) * 1e3 / Math.max(1, writesAfter[1] - writesBefore[1]), writesAfter[1] - writesBefore[1], execCost(runs));
            System.out.printf("  floor = bare spawn + 3 durable writes (the task, the agent's journal, its RUNNING status) = %.2f ms; launch / floor = x%.1f "
                    + "(goal: at most x2)%n", floor, a / floor);
            double paidWrite = (writesAfter[0] - writesBefore[0]) * 1e3 / Math.max(1, writesAfter[1] - writesBefore[1]);
            System.out.printf("  with the 3 durable writes priced as the launches paid them: floor %.2f ms; launch / floor = x%.1f%n", b + 3 * paidWrite,
                    a / (b + 3 * paidWrite));

            // 2. tasks started per second: submit them all from several clients at once (as a deployment's instances or many
            // pipelines would come), wait until all are RUNNING
            int clients = Integer.getInteger("clients", 8);
            java.util.concurrent.ExecutorService submitters = java.util.concurrent.Executors.newFixedThreadPool(clients);
            List<java.util.concurrent.Future<String>> submitted = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int i = 0; i < taskCount; i++) {
                String name = "burst" + i;
                submitted.add(submitters.submit(() -> api.call("POST", "/v1/allocations/" + alloc + "/tasks",
                        Map.of("name", name, "command", "sleep", "args", List.of("60")), JsonNode.class, false).path("id").asText()));
            }
            List<String> ids = new ArrayList<>();
            for (java.util.concurrent.Future<String> f : submitted) {
                ids.add(f.get());
            }
            long allSubmitted = System.nanoTime();
            submitters.shutdown();
            for (String id : ids) {
                awaitState(api, id, "RUNNING");
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            System.out.printf("tasks started on one agent: %d in %.2f s = %.0f tasks/s (API calls included: %d clients at once, all %d submitted after "
                    + "%.2f s)%n", taskCount, secs, taskCount / secs, clients, taskCount, (allSubmitted - t0) / 1e9);
            burstStages(agent, ids);
            for (String id : ids) {
                api.call("POST", "/v1/tasks/" + id + "/stop", null, JsonNode.class, false);
            }
            for (String id : ids) {
                awaitState(api, id, "KILLED");
            }
            double chain = chainSpawns(root.resolve("agent"), taskCount, ownTmp, hides, ipc);
            System.out.printf("  the same process chain spawned alone (setsid %ssh wrapper.sh%s sleep, %d threads, no agent): %.0f/s; the agent reaches "
                    + "%.0f%% of it (the goal's 200 tasks/s is %.1fx what this machine spawns)%n", ownTmp ? "unshare " : "", root() ? " setpriv" : "",
                    Agent.LAUNCHERS, chain,
                    100 * (taskCount / secs) / chain, 200 / chain);
        } finally {
            agent.close();
        }

        // 3. idle resident memory of an agent process with the shipped flags, against the same JVM doing nothing
        try {
            IdleAgentFootprint.measure(server, root);
        } finally {
            server.close();
            try (var all = Files.walk(root)) {
                all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
            for (String h : List.of("memory", "cpu", "pids")) {
                Path g = Path.of("/sys/fs/cgroup", h, "steward-bench");
                if (Files.isDirectory(g)) {
                    try (var all = Files.walk(g)) {
                        all.sorted(Comparator.reverseOrder()).filter(Files::isDirectory).forEach(p -> p.toFile().delete());
                    }
                }
            }
        }
    }

    /**
     * Where a burst's time goes: the median of each launch stage among the burst's tasks, and the
     * median gap between one task's acceptance by the agent's loop and the next one's (how fast
     * the loop hands starts to the launcher threads).
     */
    private static void burstStages(Agent agent, List<String> ids) {
        dev.steward.agent.LaunchTimes.Stage[] stages = dev.steward.agent.LaunchTimes.Stage.values();
        StringBuilder b = new StringBuilder("  in the burst (median per task):");
        for (int k = 1; k < stages.length; k++) {
            List<Long> d = new ArrayList<>();
            for (String id : ids) {
                Map<dev.steward.agent.LaunchTimes.Stage, Long> at = agent.launchTimes(id);
                if (at.get(stages[k]) != null && at.get(stages[k - 1]) != null) {
                    d.add(at.get(stages[k]) - at.get(stages[k - 1]));
                }
            }
            if (!d.isEmpty()) {
                b.append(String.format(" %s %.2f ms;", stages[k].name().toLowerCase(java.util.Locale.ROOT), median(d) / 1e6));
            }
        }
        List<Long> gaps = new ArrayList<>();
        for (int i = 1; i < ids.size(); i++) {
            Long prev = agent.launchTimes(ids.get(i - 1)).get(dev.steward.agent.LaunchTimes.Stage.ACCEPTED);
            Long next = agent.launchTimes(ids.get(i)).get(dev.steward.agent.LaunchTimes.Stage.ACCEPTED);
            if (prev != null && next != null) {
                gaps.add(next - prev);
            }
        }
        System.out.println(b);
        if (!gaps.isEmpty()) {
            System.out.printf("  one task accepted to the next: median %.2f ms (the cgroup stage above includes the wait for one of the %d launcher threads)%n", median(gaps) / 1e6, Agent.LAUNCHERS);
        }
    }

    /**
     * The parts of one launch, from the client's API call (t0) to the client seeing RUNNING, with
     * the agent's own stamps between. After the RUNNING status is journaled, two things happen at
     * once: the agent's reporter waits for the allocator's answer, and the allocator wakes the
     * client's query; both are measured from the journal.
     */
    private static void breakdown(Map<String, List<Long>> parts, long t0, long acked, Map<dev.steward.agent.LaunchTimes.Stage, Long> at, long seen) {
        parts.computeIfAbsent("API call answered (accept, apply, durable write, reply)", k -> new ArrayList<>()).add(acked - t0);
        long prev = t0;
        for (dev.steward.agent.LaunchTimes.Stage stage : dev.steward.agent.LaunchTimes.Stage.values()) {
            Long end = at.get(stage);
            if (end == null) {
                continue;
            }
            String name = switch (stage) {
                case RECEIVED -> "allocator accepts and writes the task, wakes the agent's parked query";
                case ACCEPTED -> "agent's loop thread takes it (task.json written)";
                case FETCHED -> "package fetched and unpacked (none here)";
                case CGROUP -> "the task's uid and cgroups";
                case SPAWNED -> "setsid + wrapper spawned (fork, exec)";
                case STARTED -> "process seen running (/proc)";
                case JOURNALED -> "RUNNING journaled on the agent (fsync)";
                case ACKNOWLEDGED -> "from the journal: reported, made durable by the allocator, answered";
            };
            long from = stage == dev.steward.agent.LaunchTimes.Stage.ACKNOWLEDGED && at.containsKey(dev.steward.agent.LaunchTimes.Stage.JOURNALED)
                    ? at.get(dev.steward.agent.LaunchTimes.Stage.JOURNALED) : prev;
            parts.computeIfAbsent(String.format("%-13s %s", stage.name().toLowerCase(java.util.Locale.ROOT), name), k -> new ArrayList<>())
                    .add(end - from);
            if (stage != dev.steward.agent.LaunchTimes.Stage.ACKNOWLEDGED) {
                prev = end;
            }
        }
        parts.computeIfAbsent("seen          from the journal: the client's blocking query wakes with RUNNING", k -> new ArrayList<>()).add(seen - prev);
    }

    private static boolean root() {
        return "root".equals(System.getProperty("user.name"));
    }

    /**
     * Processes per second when the chain a task's start makes ({@code setsid sh wrapper.sh DIR --
     * [setpriv ...] sleep 60}: four programs, as root) is spawned {@code n} times from as many
     * threads as the agent's launchers, with nothing else: the most this machine can start. As
     * for the agent's RUNNING, a start counts once its first program runs.
     */
    static double chainSpawns(Path agentData, int n, boolean ownTmp, boolean hides, boolean ipc) throws Exception {
        Path wrapper = agentData.resolve("wrapper.sh");
        Path dirs = Files.createDirectories(agentData.resolve("chain-bench"));
        List<Process> started = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(Agent.LAUNCHERS);
        try {
            List<java.util.concurrent.Future<?>> runs = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                Path d = Files.createDirectories(dirs.resolve("t" + i));
                runs.add(pool.submit(() -> {
                    List<String> argv = new ArrayList<>(List.of("setsid"));
                    if (ownTmp) { // as the agent's start with task-private-tmp: its own mount namespace, and the wrapper's two binds
                        argv.addAll(List.of("unshare", "--mount", "--propagation", "private"));
                        if (ipc) {
                            argv.add("--ipc");
                        }
                    }
                    argv.addAll(List.of("/bin/sh", wrapper.toString(), d.toString(), "--"));
                    if (root()) {
                        argv.addAll(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"));
                    }
                    argv.addAll(List.of("sleep", "60"));
                    ProcessBuilder pb = new ProcessBuilder(argv).redirectOutput(ProcessBuilder.Redirect.appendTo(d.resolve("stdout.log").toFile()))
                            .redirectError(ProcessBuilder.Redirect.appendTo(d.resolve("stderr.log").toFile()));
                    if (ownTmp) {
                        pb.environment().put("STEWARD_PRIVATE_TMP", Files.createDirectories(d.resolve("tmp")).toString());
                        pb.environment().put("STEWARD_PRIVATE_VAR_TMP", Files.createDirectories(d.resolve("var-tmp")).toString());
                        if (hides) {
                            pb.environment().put("STEWARD_HIDE_PROCESSES", "1");
                        }
                        if (ipc) {
                            pb.environment().put("STEWARD_PRIVATE_IPC", "1024");
                        }
                    }
                    if (root() && java.nio.file.Files.isExecutable(Path.of("/usr/bin/keyctl"))) { // as the agent's: a session keyring of its own
                        pb.environment().put("STEWARD_NEW_KEYRING", "/usr/bin/keyctl");
                    }
                    Process p = pb.start();
                    started.add(p); // as the agent's launch: the chain's first program is running, the rest follows on its own
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> f : runs) {
                f.get();
            }
            return n / ((System.nanoTime() - t0) / 1e9);
        } finally {
            pool.shutdownNow();
            for (Process p : started) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor();
            }
        }
    }

    /** Nanoseconds of a small write and fsync in {@code dir}, {@code n} times. */
    static List<Long> fsyncs(Path dir, int n) throws java.io.IOException {
        List<Long> out = new ArrayList<>();
        Path f = dir.resolve("bench-fsync");
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(f, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.APPEND)) {
            for (int i = 0; i < n + 3; i++) {
                long t = System.nanoTime();
                ch.write(java.nio.ByteBuffer.wrap(("a record of about a hundred bytes, as a small batch of changes would be " + i + "\n").getBytes()));
                ch.force(false);
                if (i >= 3) {
                    out.add(System.nanoTime() - t);
                }
            }
        } finally {
            Files.deleteIfExists(f);
        }
        return out;
    }

    /**
     * The allocator's durable writes so far, from its own metrics: {seconds spent, writes}. The
     * difference of two readings is what the writes between them cost, on this disk at that time.
     */
    static double[] storeWrites(Server server) throws Exception {
        java.net.HttpURLConnection c = (java.net.HttpURLConnection) java.net.URI.create(server.url() + "/metrics").toURL().openConnection();
        c.setRequestProperty("Authorization", "Bearer " + server.adminToken());
        double[] out = new double[2];
        try (java.io.InputStream in = c.getInputStream()) {
            for (String line : new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
                if (line.startsWith("steward_store_write_duration_seconds_sum ")) {
                    out[0] = Double.parseDouble(line.substring(line.indexOf(' ') + 1));
                } else if (line.startsWith("steward_store_write_duration_seconds_count ")) {
                    out[1] = Double.parseDouble(line.substring(line.indexOf(' ') + 1));
                }
            }
        }
        return out;
    }

    /**
     * Milliseconds one exec of a small program costs on this machine: the median spawn-and-exit
     * of {@code env true} (two programs) less that of {@code true} (one), over {@code n} runs.
     */
    static double execCost(int n) throws Exception {
        return (median(spawnAndWait(n, "env", "true")) - median(spawnAndWait(n, "true"))) / 1e6;
    }

    private static List<Long> spawnAndWait(int n, String... argv) throws Exception {
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < n + 3; i++) {
            long t = System.nanoTime();
            new ProcessBuilder(argv).start().waitFor();
            if (i >= 3) {
                out.add(System.nanoTime() - t);
            }
        }
        return out;
    }

    /** Milliseconds (median) of making and removing a cgroup in the v1 memory hierarchy; NaN where there is none to write. */
    static double cgroupMkdir(int n) {
        Path parent = Path.of("/sys/fs/cgroup/memory");
        if (!Files.isWritable(parent)) {
            return Double.NaN;
        }
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < n + 3; i++) {
            Path g = parent.resolve("steward-bench-mkdir-" + i);
            long t = System.nanoTime();
            try {
                Files.createDirectory(g);
                Files.delete(g);
            } catch (java.io.IOException e) {
                return Double.NaN;
            }
            if (i >= 3) {
                out.add(System.nanoTime() - t);
            }
        }
        return median(out) / 1e6;
    }

    private static void awaitState(StewardClient api, String task, String state) throws Exception {
        long index = 0;
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            var r = api.query("/v1/tasks/" + task, index, Duration.ofSeconds(10),
                    com.fasterxml.jackson.databind.type.TypeFactory.defaultInstance().constructType(JsonNode.class));
            JsonNode t = (JsonNode) r.value();
            if (t.path("state").asText().equals(state)) {
                return;
            }
            if (t.path("state").asText().equals("FAILED")) {
                throw new IllegalStateException("task " + task + " failed: " + t.path("reason").asText());
            }
            index = r.index();
        }
        throw new IllegalStateException("task " + task + " did not reach " + state);
    }

    private static double median(List<Long> xs) {
        List<Long> s = new ArrayList<>(xs);
        s.sort(Long::compare);
        return s.get(s.size() / 2);
    }
}
