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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

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
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * kill -9 of the allocator process in the middle of a rolling update, or of a drain under a canary
 * waiting for its promote or under a running rolling update, with real agents running the example app: after a restart on the same
 * data directory and port, it completes with every instance accounted for, none lost and none
 * started twice.
 */
class DeployCrashTest {
    private final List<Process> processes = new ArrayList<>();
    private final List<Agent> agents = new ArrayList<>();
    private Path dir;
    private int port;

    @AfterEach
    void cleanUp() throws Exception {
        agents.forEach(Agent::close);
        for (Process p : processes) {
            p.destroyForcibly().waitFor();
        }
        if (dir != null) {
            for (String a : List.of("a1", "a2")) {
                TaskCleanup.killTasks(dir.resolve(a)); // waits for each kill to be sent
                TaskCleanup.removeLeases(dir.resolve(a));
            }
        }
        TaskCleanup.removeCgroups("steward-crash-test"); // waits for each cgroup to empty: an rmdir before that left them behind
        if (dir != null) {
            Main.deleteTree(dir);
        }
    }

    private Process server() throws Exception {
        Files.deleteIfExists(dir.resolve("server/server.addr"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"), Main.class.getName(), "server",
                "--data", dir.resolve("server").toString(), "--bind", "127.0.0.1:" + port, "--heartbeat-grace", "5m")
                .redirectErrorStream(true).redirectOutput(dir.resolve("server-" + processes.size() + ".log").toFile()).start();
        processes.add(p);
        await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(dir.resolve("server/server.addr")) || !p.isAlive());
        assertThat(p.isAlive()).as("the server died at start").isTrue();
        if (port == 0) {
            port = URI.create(Files.readString(dir.resolve("server/server.addr")).trim()).getPort();
        }
        return p;
    }

    /** An allocator process and two agents (a1, a2) in a new directory named {@code prefix}...; an admin client for it. */
    private StewardClient cluster(String prefix) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "python3 is not installed at /usr/bin/python3 (.ci/run installs it)");
        dir = Files.createTempDirectory(prefix);
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
        server();
        String url = "http://127.0.0.1:" + port;
        String join = Files.readString(dir.resolve("server/join.token")).trim();
        for (String a : List.of("a1", "a2")) {
            agents.add(new Agent(AgentConfig.load(null, Map.of("server", url, "join-token", join, "data", dir.resolve(a).toString(), "name", a,
                    "ports", a.equals("a1") ? "29000-29499" : "29500-29999", "cgroup-parent", "steward-crash-test", "heartbeat-interval", "500ms")),
                    Clock.systemUTC()).start());
        }
        return StewardClient.builder(url).token(Files.readString(dir.resolve("server/admin.token")).trim()).retryBudget(Duration.ofSeconds(60)).build();
    }

    private static DeployRequest rolling(String digest) {
        return rolling(digest, "1s");
    }

    /** 4 instances, rolling one more at a time with none unavailable, each counted once its check has passed for {@code minHealthyTime}. */
    private static DeployRequest rolling(String digest, String minHealthyTime) {
        return new DeployRequest(digest, null, null, 4, "0.25", "64m", null, null, null, null, null, null, null, "rolling", "1", "0", null, null, null,
                minHealthyTime, "60s", "3m", null, null, null, null, null, null);
    }

    @Test
    void aRollingUpdateCompletesAfterTheAllocatorIsKilledInTheMiddle() throws Exception {
        StewardClient c = cluster("steward-deploy-crash");
        Process server = processes.get(0);
        String v1 = DemoApps.pack(c, dir, "v1");
        String v2 = DemoApps.pack(c, dir, "v2");
        String first = c.deployments().deploy("webapp", "staging", rolling(v1)).deployment().id();
        await().atMost(Duration.ofSeconds(120)).until(() -> c.deployments().deployment(first).state().terminal());
        assertThat(c.deployments().deployment(first).state()).isEqualTo(DeploymentState.SUCCEEDED);

        String second = c.deployments().deploy("webapp", "staging", rolling(v2)).deployment().id();
        await().atMost(Duration.ofSeconds(120)).until(() -> {
            DeploymentInfo d = c.deployments().deployment(second);
            return d.newAvailable() >= 1 && d.oldInstances() >= 1;
        });
        server.destroyForcibly().waitFor(); // kill -9 in the middle
        server();

        await().atMost(Duration.ofSeconds(180)).until(() -> c.deployments().deployment(second).state().terminal());
        DeploymentInfo d = c.deployments().deployment(second);
        assertThat(d.state()).as("%s", d).isEqualTo(DeploymentState.SUCCEEDED);

        List<InstanceInfo> all = c.deployments().instances("webapp", "staging");
        List<InstanceInfo> live = all.stream().filter(i -> !i.state().terminal() && !i.stopRequested()).toList();
        assertThat(live).hasSize(4).allMatch(i -> i.revision() == 2 && i.state() == InstanceState.HEALTHY);
        assertThat(StartedInstances.of(c, all, 2)).as("no instance of v2 started twice: %s", all).hasSize(4);
        assertThat(StartedInstances.of(c, all, 1)).as("no instance of v1 lost or duplicated: %s", all).hasSize(4)
                .allMatch(i -> i.state() == InstanceState.STOPPED);
        Set<String> allocations = new HashSet<>();
        for (InstanceInfo i : live) {
            assertThat(allocations.add(i.allocationId())).isTrue();
            AllocationInfo a = c.allocation(i.allocationId());
            assertThat(a.state().terminal()).isFalse();
            List<TaskInfo> tasks = c.tasksOf(i.allocationId());
            assertThat(tasks.stream().filter(t -> !t.state().terminal())).as("one running task per instance").hasSize(1);
        }
        HttpClient http = HttpClient.newHttpClient();
        Set<Integer> ports = new HashSet<>();
        for (var e : c.deployments().endpoints("webapp", "staging")) {
            int p = e.ports().get("http");
            ports.add(p);
            String body = http.send(HttpRequest.newBuilder(URI.create("http://" + e.host() + ":" + p + "/")).build(), HttpResponse.BodyHandlers.ofString())
                    .body();
            assertThat(body.trim()).isEqualTo("hello from v2");
        }
        assertThat(ports).hasSize(4);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(c.allocations().stream()
                .filter(a -> !a.state().terminal())).as("no allocation outlives its instance").hasSize(4));

        // a delete taken, then kill -9 while its instances stop: after a restart it goes on to the end
        var deleting = c.deployments().delete("webapp", "staging");
        assertThat(deleting.deletingSince()).isNotNull();
        processes.get(processes.size() - 1).destroyForcibly().waitFor();
        server();
        await().atMost(Duration.ofSeconds(120)).until(() -> c.deployments().services().isEmpty());
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(c.allocations().stream()
                .filter(a -> !a.state().terminal())).as("every instance's allocation released").isEmpty());
        for (int p : ports) {
            try (java.net.Socket so = new java.net.Socket()) {
                so.connect(new java.net.InetSocketAddress("127.0.0.1", p), 2000);
                throw new AssertionError("port " + p + " still answers: an instance's process outlived the deleted service");
            } catch (java.net.ConnectException gone) {
                // stopped
            }
        }
        assertThat(c.deployments().deploy("webapp", "staging", rolling(v1)).revision().number()).as("the name is free: a new service").isEqualTo(1);
    }

    /**
     * kill -9 of the allocator while a drain moves instances under a canary waiting for its
     * promote: after a restart every move completes once, none is asked for twice, and the canary
     * still waits.
     */
    @Test
    void aDrainUnderAWaitingCanaryCompletesOnceAfterTheAllocatorIsKilledInTheMiddle() throws Exception {
        StewardClient c = cluster("steward-hold-crash");
        String url = "http://127.0.0.1:" + port;
        String v1 = DemoApps.pack(c, dir, "v1");
        String v2 = DemoApps.pack(c, dir, "v2");
        String first = c.deployments().deploy("webapp", "staging", rolling(v1)).deployment().id();
        await().atMost(Duration.ofSeconds(120)).until(() -> c.deployments().deployment(first).state().terminal());
        DeployRequest canary = new DeployRequest(v2, null, null, 4, "0.25", "64m", null, null, null, null, null, null, null, "canary", null, null, null,
                List.of(new dev.steward.api.CanaryStep("1", "promote", null)), null, "1s", "60s", "3m", null, null, null, null, null, null);
        String second = c.deployments().deploy("webapp", "staging", canary).deployment().id();
        await().atMost(Duration.ofSeconds(120)).until(() -> c.deployments().deployment(second).state() == DeploymentState.PAUSED
                && c.deployments().deployment(second).newAvailable() == 1);
        String a1 = c.agents().stream().filter(a -> a.name().equals("a1")).findFirst().orElseThrow().id();
        Set<String> onA1 = new HashSet<>();
        for (InstanceInfo i : c.deployments().instances("webapp", "staging")) {
            if (a1.equals(i.agentId()) && !i.state().terminal() && !i.stopRequested()) {
                onA1.add(i.id());
            }
        }
        assertThat(onA1).as("the spread put instances on a1").isNotEmpty();
        c.drain(a1, null);
        await().atMost(Duration.ofSeconds(60)).until(() -> c.deployments().instances("webapp", "staging").stream().anyMatch(i -> i.movedFrom() != null));
        processes.get(processes.size() - 1).destroyForcibly().waitFor(); // kill -9 while the moves run
        server();

        await().atMost(Duration.ofSeconds(180)).until(() -> c.deployments().instances("webapp", "staging").stream()
                .noneMatch(i -> a1.equals(i.agentId()) && !i.state().terminal() && !i.stopRequested())
                && c.deployments().instances("webapp", "staging").stream().filter(i -> !i.stopRequested() && i.state() == InstanceState.HEALTHY).count() == 5);
        List<InstanceInfo> all = c.deployments().instances("webapp", "staging");
        List<InstanceInfo> live = all.stream().filter(i -> !i.state().terminal() && !i.stopRequested()).toList();
        assertThat(live.stream().filter(i -> i.revision() == 1)).as("the old revision keeps its 4").hasSize(4);
        assertThat(live.stream().filter(i -> i.revision() == 2)).as("the canary keeps its 1").hasSize(1);
        for (String moved : onA1) {
            assertThat(all.stream().filter(i -> moved.equals(i.movedFrom()))).as("%s was moved once, not twice", moved).hasSize(1);
        }
        assertThat(all).as("nothing made but the moves").hasSize(4 + 1 + onA1.size());
        assertThat(c.deployments().deployment(second).state()).as("the canary still waits for its promote").isEqualTo(DeploymentState.PAUSED);
        java.io.ByteArrayOutputStream shown = new java.io.ByteArrayOutputStream();
        java.io.PrintStream out = System.out;
        System.setOut(new java.io.PrintStream(shown, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            assertThat(Main.commandLine().execute("services", "webapp", "--env", "staging", "--addr", url, "--token",
                    Files.readString(dir.resolve("server/admin.token")).trim())).isZero();
        } finally {
            System.setOut(out);
        }
        String table = shown.toString(java.nio.charset.StandardCharsets.UTF_8);
        for (String moved : onA1) {
            assertThat(table).as("steward services says what took over from what").contains("(took over from " + moved + ", whose agent drained)");
        }
        assertThat(table.lines().filter(l -> l.contains("took over from"))).as("and on which agent, by its name").hasSize(onA1.size())
                .allMatch(l -> l.matches(".* a2 +127\\.0\\.0\\.1 .*"));
        assertThat(table.lines().findFirst().orElseThrow()).as("a head line about the service first")
                .isEqualTo("webapp/staging: revision 2 runs (stable 1), 5 instances available (old and new), 4 wanted; deployment " + second + " is paused");
        assertThat(table.lines().filter(l -> l.startsWith("#")).findFirst().orElseThrow()).contains(" AGENT ");
    }

    /**
     * kill -9 of the allocator while a drain moves a new instance off its agent under a rolling
     * update that runs: after a restart the move completes once and the rollout ends with 4 of 4.
     */
    @Test
    void aDrainUnderARunningRollingUpdateMovesOnceAfterTheAllocatorIsKilledInTheMiddle() throws Exception {
        StewardClient c = cluster("steward-roll-drain-crash");
        String v1 = DemoApps.pack(c, dir, "v1");
        String v2 = DemoApps.pack(c, dir, "v2");
        String first = c.deployments().deploy("webapp", "staging", rolling(v1)).deployment().id();
        await().atMost(Duration.ofSeconds(120)).until(() -> c.deployments().deployment(first).state().terminal());
        String second = c.deployments().deploy("webapp", "staging", rolling(v2, "5s")).deployment().id(); // 4 of 5 s each, at least
        await().atMost(Duration.ofSeconds(120)).until(() -> c.deployments().deployment(second).newAvailable() >= 1);
        InstanceInfo fresh = c.deployments().instances("webapp", "staging").stream()
                .filter(i -> i.revision() == 2 && i.state() == InstanceState.HEALTHY && !i.stopRequested()).findFirst().orElseThrow();
        c.drain(fresh.agentId(), null);
        await().atMost(Duration.ofSeconds(60)).until(() -> c.deployments().instances("webapp", "staging").stream()
                .anyMatch(i -> fresh.id().equals(i.movedFrom())));
        assertThat(c.deployments().deployment(second).state()).as("the move began under the running rollout").isEqualTo(DeploymentState.RUNNING);
        processes.get(processes.size() - 1).destroyForcibly().waitFor(); // kill -9 while the move runs
        server();

        await().atMost(Duration.ofSeconds(180)).until(() -> c.deployments().deployment(second).state().terminal()
                && c.deployments().instances("webapp", "staging").stream()
                .noneMatch(i -> fresh.agentId().equals(i.agentId()) && !i.state().terminal() && !i.stopRequested()));
        assertThat(c.deployments().deployment(second).state()).isEqualTo(DeploymentState.SUCCEEDED);
        List<InstanceInfo> all = c.deployments().instances("webapp", "staging");
        Set<String> moved = new HashSet<>();
        for (InstanceInfo i : all) {
            if (i.movedFrom() != null) {
                assertThat(moved.add(i.movedFrom())).as("%s was moved once, not twice", i.movedFrom()).isTrue();
            }
        }
        assertThat(moved).contains(fresh.id());
        assertThat(all.stream().filter(i -> i.revision() == 2)).as("nothing of v2 made but the 4 and the moves").hasSize(4 + moved.size());
        await().atMost(Duration.ofSeconds(60)).until(() -> c.deployments().instances("webapp", "staging").stream()
                .filter(i -> !i.stopRequested() && i.state() == InstanceState.HEALTHY && i.revision() == 2).count() == 4);
    }
}
