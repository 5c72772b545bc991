package dev.steward.cli;

import dev.steward.agent.Agent;
import dev.steward.agent.AgentConfig;
import dev.steward.api.AllocationInfo;
import dev.steward.api.DeployRequest;
import dev.steward.api.DeploymentInfo;
import dev.steward.api.DeploymentState;
import dev.steward.api.InstanceInfo;
import dev.steward.api.InstanceState;
import dev.steward.api.TaskInfo;
import dev.steward.client.StewardClient;
import dev.steward.ha.TestZooKeeper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Three {@code steward server --zookeeper} processes on a real three-node ZooKeeper ensemble, two
 * real agents running the example app, and a rolling update of 4 instances in flight when the
 * leader is killed with kill -9, round after round: after each number of new instances in turn, at a
 * random moment of the step that follows. Every rollout completes,
 * with no instance lost, started twice or left running unaccounted for, and every deployment in
 * the history. Prints the failover times (kill to the first command the new leader acknowledges).
 * And a rotation of the secrets key, with each server holding its own copy of the keyring, through
 * kill -9 of the leader at a random moment of it: the next leader finishes it, and every server,
 * the one killed and started again too, ends with the new key alone.
 */
class FailoverTest {
    /**
     * Rounds of the rolling update test: by default one per kill moment (after 0, 1, 2 or 3 new
     * instances are available), in a seeded random order, so every run kills the leader at each;
     * {@code -Dfailover.rounds=N} runs more, the moments dealt again every four.
     */
    static final int ROUNDS = Integer.getInteger("failover.rounds", 4);
    private final Map<Integer, Process> servers = new LinkedHashMap<>(); // by port
    private final List<Process> dead = new ArrayList<>();
    private final List<Agent> agents = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private TestZooKeeper zk;
    private Path dir;
    /** Whether each server has its own copy of the keyring ({@code DIR/NAME.key}) rather than one shared file. */
    private boolean ownKeys;

    @AfterEach
    void cleanUp() throws Exception {
        agents.forEach(Agent::close);
        for (Process p : servers.values()) {
            p.destroyForcibly().waitFor();
        }
        for (Process p : dead) {
            p.destroyForcibly().waitFor();
        }
        if (zk != null) {
            zk.close();
        }
        if (dir != null) {
            for (String a : List.of("a1", "a2")) {
                TaskCleanup.killTasks(dir.resolve(a));
                TaskCleanup.removeLeases(dir.resolve(a));
            }
            Main.deleteTree(dir);
        }
        TaskCleanup.removeCgroups("steward-failover-test");
    }

    /** Starts server {@code n} (port 0 the first time: the OS's choice, kept for its restarts); returns its port. */
    private int server(String n, int port) throws Exception {
        Path data = dir.resolve(n);
        Files.deleteIfExists(data.resolve("server.addr"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx192m", "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "server", "--data", data.toString(), "--bind", "127.0.0.1:" + port, "--heartbeat-grace", "4s",
                "--zookeeper", zk.getConnectString(), "--zk-session-timeout", "4s", "--secrets-key", dir.resolve(ownKeys ? n + ".key" : "secrets.key").toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(n + ".log").toFile())).start();
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(data.resolve("server.addr")) || !p.isAlive());
        assertThat(p.isAlive()).as("server %s died at start: %s", n, tail(n)).isTrue();
        int bound = URI.create(Files.readString(data.resolve("server.addr")).trim()).getPort();
        servers.put(bound, p);
        return bound;
    }

    private String tail(String n) throws IOException {
        Path log = dir.resolve(n + ".log");
        if (!Files.exists(log)) {
            return "(no log)";
        }
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }

    /** The port of the server whose health says it leads, or -1. */
    private int leader() {
        for (int port : servers.keySet()) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/health"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200 && r.body().contains("\"role\":\"leader\"")) {
                    return port;
                }
            } catch (IOException | InterruptedException e) {
                // down or starting: not the leader
            }
        }
        return -1;
    }

    private static DeployRequest rolling(String digest) {
        return new DeployRequest(digest, null, null, 4, "0.1", "48m", null, null, null, null, null, null, null, "rolling", "1", "0", null, null, null, "1s",
                "60s", "3m", null, null, null, null, null, null);
    }

    @Test
    void rollingUpdatesCompleteThroughKill9OfTheLeaderRoundAfterRound() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "python3 is not installed at /usr/bin/python3 (.ci/run installs it)");
        long seed = Long.getLong("failover.seed", System.nanoTime());
        System.out.println("FailoverTest seed " + seed + " (-Dfailover.seed=" + seed + " replays the kill moments)");
        Random random = new Random(seed);
        dir = Files.createTempDirectory("steward-failover");
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
        // ticks of 500 ms, so that ZooKeeper grants the 4 s session asked for (its floor is two ticks; the default tick of 3 s makes it 6 s)
        zk = dev.steward.ha.TestEnsembles.cluster(3, 500, 100);
        zk.start();
        Map<Integer, String> names = new LinkedHashMap<>();
        names.put(server("s1", 0), "s1"); // first alone: it makes the shared secrets key and the cluster's tokens
        names.put(server("s2", 0), "s2");
        names.put(server("s3", 0), "s3");
        String addresses = names.keySet().stream().map(p -> "http://127.0.0.1:" + p).collect(Collectors.joining(","));
        await().atMost(Duration.ofSeconds(60)).until(() -> leader() > 0);
        String join = Files.readString(dir.resolve("s1/join.token")).trim();
        String admin = Files.readString(dir.resolve("s1/admin.token")).trim();
        assertThat(Files.readString(dir.resolve("s3/admin.token")).trim()).as("one cluster, one admin token").isEqualTo(admin);
        for (String a : List.of("a1", "a2")) {
            agents.add(new Agent(AgentConfig.load(null, Map.of("server", addresses, "join-token", join, "data", dir.resolve(a).toString(), "name", a,
                    "ports", a.equals("a1") ? "30000-30499" : "30500-30999", "cgroup-parent", "steward-failover-test", "heartbeat-interval", "500ms")),
                    Clock.systemUTC()).start());
        }
        StewardClient c = StewardClient.builder(addresses).token(admin).retryBudget(Duration.ofSeconds(90)).build();
        StewardClient probe = StewardClient.builder(addresses).token(admin).retryBudget(Duration.ZERO).callTimeout(Duration.ofSeconds(5)).build();
        List<String> versions = new ArrayList<>();
        for (int v = 1; v <= ROUNDS + 1; v++) {
            versions.add(DemoApps.pack(c, dir, "v" + v));
        }
        List<String> deployments = new ArrayList<>();
        deployments.add(c.deployments().deploy("webapp", "prod", rolling(versions.get(0))).deployment().id());
        await().atMost(Duration.ofSeconds(120)).until(() -> c.deployments().deployment(deployments.get(0)).state().terminal());
        assertThat(c.deployments().deployment(deployments.get(0)).state()).isEqualTo(DeploymentState.SUCCEEDED);

        String steady = c.deployments().deploy("webapp", "steady", new DeployRequest(versions.get(0), null, null, 1, "0.1", "48m", null, null, null, null,
                null, null, null, "rolling", "1", "0", null, null, null, "1s", "60s", "3m", null, null, null, null, null, null)).deployment().id();
        await().atMost(Duration.ofSeconds(120)).until(() -> c.deployments().deployment(steady).state().terminal());
        InstanceInfo steadyInstance = c.deployments().instances("webapp", "steady").stream().filter(i -> !i.state().terminal()).findFirst().orElseThrow();
        TaskInfo steadyTask = c.tasksOf(steadyInstance.allocationId()).stream().filter(t -> !t.state().terminal()).findFirst().orElseThrow();
        assertThat(steadyTask.pid()).isNotNull();

        List<Long> failovers = new ArrayList<>();
        List<Integer> moments = new ArrayList<>();
        for (int round = 1; round <= ROUNDS; round++) {
            int revision = round + 1;
            long began = System.nanoTime();
            String id = c.deployments().deploy("webapp", "prod", rolling(versions.get(round))).deployment().id();
            deployments.add(id);
            // a live view of the rollout, as `steward deploy` and the deploy step keep one: blocking queries that must go on across the failover
            List<Long> events = java.util.Collections.synchronizedList(new ArrayList<>());
            java.util.concurrent.CompletableFuture<DeploymentInfo> liveView = c.deployments().followAsync(id, 0, java.time.Instant.now().plusSeconds(240),
                    Clock.systemUTC(), e -> events.add(e.seq()), d -> { });
            if ((round - 1) % 4 == 0) {
                moments.clear();
                moments.addAll(List.of(0, 1, 2, 3));
                java.util.Collections.shuffle(moments, random);
            }
            int moment = moments.remove(0); // kill after 0..3 new instances are available
            await().atMost(Duration.ofSeconds(120)).until(() -> c.deployments().deployment(id).newAvailable() >= moment);
            Thread.sleep(random.nextInt(1500)); // and somewhere within the step after that
            int port = leader();
            assertThat(port).as("a leader before round %d", round).isPositive();
            Process old = servers.remove(port);
            long killed = System.nanoTime();
            old.destroyForcibly().waitFor(); // kill -9
            dead.add(old);
            server(names.get(port), port); // back, as a follower
            failovers.add(firstAcknowledged(probe, "probe-" + round, killed));

            await().atMost(Duration.ofSeconds(180)).until(() -> c.deployments().deployment(id).state().terminal());
            System.out.printf("round %d: killed %d ms into the rollout (after %d new), acknowledged %d ms after, the rollout done %d ms after it began%n",
                    round, (killed - began) / 1_000_000, moment, failovers.get(failovers.size() - 1), (System.nanoTime() - began) / 1_000_000);
            DeploymentInfo d = c.deployments().deployment(id);
            assertThat(d.state()).as("round %d (killed after %d new): %s", round, moment, d).isEqualTo(DeploymentState.SUCCEEDED);
            DeploymentInfo seen = liveView.get(60, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(seen).as("round %d: the live view followed the rollout to its end across the failover", round).isNotNull();
            assertThat(seen.state()).isEqualTo(DeploymentState.SUCCEEDED);
            assertThat(events).as("round %d: every event once, in order", round).isSorted().doesNotHaveDuplicates()
                    .containsExactlyElementsOf(d.events().stream().map(dev.steward.api.DeploymentEvent::seq).toList());
            List<InstanceInfo> all = c.deployments().instances("webapp", "prod");
            List<InstanceInfo> live = all.stream().filter(i -> !i.state().terminal() && !i.stopRequested()).toList();
            assertThat(live).as("round %d", round).hasSize(4).allMatch(i -> i.revision() == revision && i.state() == InstanceState.HEALTHY);
            assertThat(StartedInstances.of(c, all, revision)).as("round %d: no instance started twice: %s", round, all).hasSize(4);
            assertThat(StartedInstances.of(c, all, revision - 1)).as("round %d: none of the old lost or duplicated: %s", round, all).hasSize(4)
                    .allMatch(i -> i.state() == InstanceState.STOPPED);
            Set<String> allocations = new HashSet<>();
            for (InstanceInfo i : live) {
                assertThat(allocations.add(i.allocationId())).isTrue();
                AllocationInfo a = c.allocation(i.allocationId());
                assertThat(a.state().terminal()).isFalse();
                List<TaskInfo> tasks = c.tasksOf(i.allocationId());
                assertThat(tasks.stream().filter(t -> !t.state().terminal())).as("one running task per instance").hasSize(1);
            }
            int r = round;
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(appProcesses()).as("round %d: no orphaned app process: %s", r, appProcessList())
                    .hasSize(5));
            assertThat(c.agents()).as("round %d: no agent lost", round).hasSize(2).allMatch(a -> a.status() == dev.steward.api.AgentStatus.READY);
            List<TaskInfo> steadyNow = c.tasksOf(steadyInstance.allocationId()).stream().filter(t -> !t.state().terminal()).toList();
            assertThat(steadyNow).as("round %d: the steady service's task, re-attached", round).hasSize(1);
            assertThat(steadyNow.get(0).id()).isEqualTo(steadyTask.id());
            assertThat(steadyNow.get(0).pid()).as("round %d: the same process", round).isEqualTo(steadyTask.pid());
            assertThat(steadyNow.get(0).restarts()).isZero();
        }
        List<DeploymentInfo> history = c.deployments().deployments("webapp", "prod");
        assertThat(history.stream().map(DeploymentInfo::id).toList()).as("the history has every rollout").containsAll(deployments);
        assertThat(history.stream().filter(d -> deployments.contains(d.id()))).allMatch(d -> d.state() == DeploymentState.SUCCEEDED);
        assertThat(c.deployments().instances("webapp", "steady")).as("the steady service: one instance, never replaced").hasSize(1)
                .allMatch(i -> i.state() == InstanceState.HEALTHY);
        List<Long> sorted = new ArrayList<>(failovers);
        sorted.sort(null);
        System.out.println("failover (kill -9 of the leader to the first command the new leader acknowledged), " + ROUNDS + " rounds: p50 "
                + sorted.get(sorted.size() / 2) + " ms, max " + sorted.get(sorted.size() - 1) + " ms; each: " + failovers);
    }

    @Test
    void aKeyRotationCompletesThroughKill9OfTheLeaderAtAnyMomentAndEveryServerEndsWithTheNewKeyAlone() throws Exception {
        long seed = Long.getLong("failover.seed", System.nanoTime());
        System.out.println("FailoverTest key rotation seed " + seed + " (-Dfailover.seed=" + seed + " replays the kill moments)");
        Random random = new Random(seed);
        dir = Files.createTempDirectory("steward-failover");
        zk = dev.steward.ha.TestEnsembles.cluster(3, 500, 100);
        zk.start();
        ownKeys = true;
        Map<Integer, String> names = new LinkedHashMap<>();
        names.put(server("s1", 0), "s1"); // it makes the keyring; the others get a copy, as an operator gives them
        for (String n : List.of("s2", "s3")) {
            Files.copy(dir.resolve("s1.key"), dir.resolve(n + ".key"), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
            names.put(server(n, 0), n);
        }
        String addresses = names.keySet().stream().map(p -> "http://127.0.0.1:" + p).collect(Collectors.joining(","));
        String admin = Files.readString(dir.resolve("s1/admin.token")).trim();
        StewardClient c = StewardClient.builder(addresses).token(admin).retryBudget(Duration.ofSeconds(90)).build();
        await().atMost(Duration.ofSeconds(60)).until(() -> leader() > 0);
        c.call("PUT", "/v1/services/web/prod/secrets/db-password", Map.of("value", "hunter2"), Object.class, false);
        List<String> moments = new ArrayList<>();
        for (int round = 1; round <= 4; round++) {
            int port = leader();
            assertThat(port).as("a leader before round %d", round).isPositive();
            java.util.concurrent.CompletableFuture<HttpResponse<String>> cut = http.sendAsync(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/v1/secrets/rotate-key")).POST(HttpRequest.BodyPublishers.noBody())
                    .header("Authorization", "Bearer " + admin).timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
            Thread.sleep(random.nextInt(700)); // the kill lands anywhere in the rotation (the others take the key within 500 ms), or just after it
            Process old = servers.remove(port);
            old.destroyForcibly().waitFor(); // kill -9
            dead.add(old);
            server(names.get(port), port); // back, as a follower, with whatever its keyring held when it died
            try {
                moments.add("answered " + cut.get(60, java.util.concurrent.TimeUnit.SECONDS).statusCode() + " before the kill");
            } catch (java.util.concurrent.ExecutionException killed) {
                moments.add("killed in the middle"); // the connection went with the leader
            }
            // whichever leads now finished it as it took over (or it was done before the kill); one more goes through
            int r = round;
            String[] last = {null};
            Map<String, Object> done;
            try {
                done = await().atMost(Duration.ofSeconds(120)).until(() -> {
                    try {
                        @SuppressWarnings("unchecked")
                        Map<String, Object> m = c.call("POST", "/v1/secrets/rotate-key", null, Map.class, false);
                        return m;
                    } catch (IOException notYet) {
                        last[0] = notYet.toString();
                        return null;
                    }
                }, java.util.Objects::nonNull);
            } catch (org.awaitility.core.ConditionTimeoutException e) {
                StringBuilder logs = new StringBuilder();
                for (String n : names.values()) {
                    logs.append("\n--- ").append(n).append(" (").append(keyIds(dir.resolve(n + ".key"))).append(")\n").append(tail(n));
                }
                throw new AssertionError("round " + r + ": no rotation finished within 2 minutes; last: " + last[0] + logs, e);
            }
            String active = (String) done.get("activeKey");
            assertThat(done.get("serviceSecretsResealed")).as("round %d: the secret sealed again", r).isEqualTo(1);
            for (String n : names.values()) {
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(keyIds(dir.resolve(n + ".key")))
                        .as("round %d: %s holds the new key alone (%s)", r, n, tail(n)).containsExactly(active));
            }
        }
        System.out.println("key rotations under kill -9 of the leader: " + moments);
        // and the next leader, whichever it is, opens every secret with the key it was handed
        int port = leader();
        Process old = servers.remove(port);
        old.destroyForcibly().waitFor();
        dead.add(old);
        await().atMost(Duration.ofSeconds(60)).until(() -> leader() > 0);
        HttpResponse<String> listed = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + leader() + "/v1/services/web/prod/secrets"))
                .header("Authorization", "Bearer " + admin).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(listed.statusCode()).as(listed.body()).isEqualTo(200);
        assertThat(listed.body()).contains("db-password");
    }

    /** The key ids in a keyring file, the active one last. */
    private static List<String> keyIds(Path file) throws IOException {
        return dev.steward.allocator.store.SecretKeys.open(file).ids();
    }

    /** Milliseconds from {@code since} to the first PUT of role {@code name} acknowledged, tried every 50 ms (no client backoff in the figure). */
    private static long firstAcknowledged(StewardClient probe, String name, long since) throws InterruptedException {
        while (true) {
            try {
                probe.call("PUT", "/v1/roles/" + name, Map.of("weight", 1), Object.class, false);
                return (System.nanoTime() - since) / 1_000_000;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
            if (System.nanoTime() - since > Duration.ofMinutes(2).toNanos()) {
                throw new AssertionError("no leader acknowledged a command within 2 minutes of the kill");
            }
        }
    }

    private String appProcessList() throws IOException {
        return String.join("\n", appProcesses());
    }

    /** Running app.py processes started from this test's agents' sandboxes: pid, parent and working directory of each. */
    private List<String> appProcesses() throws IOException {
        List<String> n = new ArrayList<>();
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(q -> q.getFileName().toString().chars().allMatch(Character::isDigit)).toList()) {
                try {
                    String[] argv = new String(Files.readAllBytes(p.resolve("cmdline"))).split("\0");
                    String cwd = Files.readSymbolicLink(p.resolve("cwd")).toString();
                    // the app itself (python3 app.py), not the agent's wrapper shell whose arguments name it
                    if (argv.length >= 2 && argv[0].endsWith("python3") && argv[1].equals("app.py") && cwd.startsWith(dir.toString())) {
                        String stat = Files.readString(p.resolve("stat"));
                        n.add(p.getFileName() + " ppid " + stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1] + " in " + cwd);
                    }
                } catch (IOException gone) {
                    // exited meanwhile, or not readable
                }
            }
        }
        return n;
    }
}
