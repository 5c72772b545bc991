package dev.steward.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steward.allocator.Server;
import dev.steward.allocator.ServerConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * An allocator and three agents, each agent in its own network namespace with its own address,
 * on a closed bridge network. One agent's link is cut: it is marked lost after the grace and its
 * task lost with it; the link is restored: the agent comes back, stops the task the allocator gave
 * up on (no instance runs twice), and takes new work.
 */
class MultiHostTest {
    private TestNetwork net;
    private Cluster c;
    private final List<AgentProcess> agents = new ArrayList<>();
    /** The allocator's request log with agents' routine requests (heartbeats), its latest lines kept for a failure's diagnosis. */
    private final AccessLines access = new AccessLines(3000);

    @AfterEach
    void stop() throws Exception {
        access.close();
        for (AgentProcess a : agents) {
            a.close();
        }
        if (c != null) {
            c.close();
        }
        if (net != null) {
            net.close();
        }
    }

    @Test
    void a_cut_agent_is_lost_after_the_grace_and_reconciles_without_duplicates_when_restored() throws Exception {
        String why = TestNetwork.unavailable();
        assumeTrue(why == null, "skipped: " + why);
        net = new TestNetwork();
        access.open();
        // twenty beats of 500 ms: a slow shared machine loses no agent by chance. Ten were too few: with a browser test in the other
        // fork, agents went unheard for a grace now and then (the other agents during the cut; once, perhaps, m2 before its task ran:
        // that task was not RUNNING after 30 s, and nothing more was recorded)
        c = new Cluster(Duration.ofSeconds(10), new InetSocketAddress(net.hostAddress(), 0));
        for (int i = 1; i <= 3; i++) {
            String ns = net.addHost(i);
            Map<String, String> cfg = c.agentConfig("m" + i, Map.of("bind", net.address(i) + ":0", "attribute.host", "h" + i, "allow-plain-http", "on"));
            agents.add(new AgentProcess(cfg, c.root.resolve("m" + i + ".log"), List.of("ip", "netns", "exec", ns)).start());
        }
        assertThat(net.closedNetwork()).as("no namespace may have a default route").isTrue();
        JsonNode agentsSeen = c.call("GET", "/v1/agents", null);
        assertThat(agentsSeen).hasSize(3);
        agentsSeen.forEach(a -> assertThat(a.path("attributes").path("address").asText()).startsWith("http://10.231." + net.net + "."));

        String alloc = c.call("POST", "/v1/requests", "{\"cpus\":\"0.1\",\"memory\":\"32m\",\"constraints\":[{\"attribute\":\"host\",\"op\":\"=\",\"value\":\"h2\"}]}")
                .path("allocations").get(0).asText();
        String task = c.task(alloc, "{\"name\":\"w\",\"command\":\"sleep\",\"args\":[\"600\"]}");
        awaitRunning(task);
        TaskProcess p = TaskProcess.load(c.root.resolve("agent-m2").resolve("tasks").resolve(task));
        String m2 = c.taskInfo(task).path("agentId").asText();

        net.cut(2);
        await().atMost(Duration.ofSeconds(30)).until(() -> c.call("GET", "/v1/agents/" + m2, null).path("status").asText().equals("LOST"));
        assertThat(c.taskInfo(task).path("state").asText()).isEqualTo("LOST");
        assertThat(c.call("GET", "/v1/allocations/" + alloc, null).path("state").asText()).isEqualTo("LOST");
        // the other agents are ready while m2 is cut. Awaited rather than read once: in 3 full builds of about 9 (twice on CI, once
        // in a fresh-clone check) one of them went unheard for a grace during the cut, never alone; cause not found. Agents now log
        // a failed heartbeat as a warning, and a failure here prints their logs
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            List<String> others = new ArrayList<>();
            c.call("GET", "/v1/agents", null).forEach(a -> {
                if (!a.path("id").asText().equals(m2)) {
                    others.add(a.path("status").asText());
                }
            });
            assertThat(others).as(() -> "the other agents stay ready while m2 is cut; " + diagnosis()).containsOnly("READY");
        });

        net.restore(2);
        await().atMost(Duration.ofSeconds(30)).until(() -> c.call("GET", "/v1/agents/" + m2, null).path("status").asText().equals("READY"));
        await().atMost(Duration.ofSeconds(30)).until(() -> !p.alive());
        String again = c.call("POST", "/v1/requests", "{\"cpus\":\"0.1\",\"memory\":\"32m\",\"constraints\":[{\"attribute\":\"host\",\"op\":\"=\",\"value\":\"h2\"}]}")
                .path("allocations").get(0).asText();
        String task2 = c.task(again, "{\"name\":\"w\",\"command\":\"sleep\",\"args\":[\"600\"]}");
        awaitRunning(task2);
        long running = 0;
        for (JsonNode t : c.call("GET", "/v1/agents/" + m2 + "/tasks", null)) {
            running += t.path("state").asText().equals("RUNNING") ? 1 : 0;
        }
        assertThat(running).as("exactly one instance runs on the restored agent").isEqualTo(1);
    }

    /**
     * Until the task runs; a failure says how it stands (its state and reason) and the agents'
     * diagnosis: in one fresh-clone run (7 December) the first task on m2 was not RUNNING after
     * 30 s, where it takes a second or two, and nothing more was known.
     */
    private void awaitRunning(String task) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonNode t = c.taskInfo(task);
            assertThat(t.path("state").asText()).as(() -> "task " + t + diagnosis()).isEqualTo("RUNNING");
        });
    }

    /**
     * What a failure needs to be understood: every agent's status and last heartbeat, the end of
     * its log (a failed heartbeat names its request id), the allocator's latest answers to it
     * (each with its request id and how long it took: a request id the agent gave up on and the
     * allocator never logged was not answered), the allocator's slow answers, and its threads.
     */
    private String diagnosis() {
        StringBuilder b = new StringBuilder();
        try {
            c.call("GET", "/v1/agents", null).forEach(a -> b.append('\n').append(a.path("name").asText()).append(' ')
                    .append(a.path("status").asText()).append(" last heartbeat ").append(a.path("lastHeartbeat").asText()));
            b.append("\nnow ").append(java.time.Instant.now());
            for (int i = 1; i <= 3; i++) {
                List<String> lines = java.nio.file.Files.readAllLines(c.root.resolve("m" + i + ".log"));
                b.append("\n--- m").append(i).append(".log (end)\n").append(String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size())));
                b.append("\n--- the allocator's latest answers to m").append(i).append('\n').append(String.join("\n", access.last(" remote=" + net.address(i) + " ", 12)));
            }
            b.append("\n--- the allocator's answers that took a second or more\n").append(String.join("\n", access.slow(1000, 20)));
            b.append("\n--- the allocator's threads\n").append(threads("steward-"));
        } catch (Exception e) {
            b.append("\n(cannot read more: ").append(e).append(')');
        }
        return b.toString();
    }

    /** The stacks of this JVM's threads whose names start with {@code prefix} (the in-process allocator's), a few frames each. */
    private static String threads(String prefix) {
        StringBuilder b = new StringBuilder();
        for (java.lang.management.ThreadInfo t : java.lang.management.ManagementFactory.getThreadMXBean().dumpAllThreads(false, false)) {
            if (t.getThreadName().startsWith(prefix)) {
                b.append(t); // ThreadInfo.toString: name, state, what it waits on, the top 8 frames
            }
        }
        return b.toString();
    }
}
