package dev.steward.agent;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The dashboard's allocations in a real browser, against a real allocator and agent: a role sees
 * what it holds and where (and nothing of another role's), an allocation's tasks with their
 * output a click away, and a release in two clicks, after which the allocation is listed only
 * with the ended ones. And a task's output page where there is nothing to read: its agent gone,
 * or its output removed with its sandbox.
 */
class DashboardAllocationsBrowserTest extends ClusterBrowserTest {

    @Test
    void a_role_sees_its_allocations_their_tasks_output_and_releases_one() throws Exception {
        Browser.assumeAvailable();
        c = new Cluster();
        c.agent("m1", Map.of());
        c.call("PUT", "/v1/roles/farm", "{\"weight\":1}");
        c.call("PUT", "/v1/roles/other", "{\"weight\":1}");
        String farm = c.call("POST", "/v1/roles/farm/tokens", "{}").path("token").asText();
        String other = c.call("POST", "/v1/roles/other/tokens", "{}").path("token").asText();
        String mine = c.callAs(farm, "POST", "/v1/requests", "{\"name\":\"executor-1\",\"cpus\":\"0.25\",\"memory\":\"64m\",\"ports\":[\"agent\"],"
                + "\"priority\":10,\"preemptible\":true}").path("allocations").get(0).asText();
        String theirs = c.callAs(other, "POST", "/v1/requests", "{\"name\":\"theirs\",\"cpus\":\"0.1\",\"memory\":\"32m\"}").path("allocations").get(0).asText();
        String task = c.callAs(farm, "POST", "/v1/allocations/" + mine + "/tasks", "{\"name\":\"build\",\"command\":\"sh\",\"args\":[\"-c\","
                + "\"echo building on port $PORT_AGENT; exec sleep 600\"],\"killTimeout\":\"1s\",\"restart\":{\"attempts\":0}}").path("id").asText();
        await().atMost(Duration.ofSeconds(30)).until(() -> "RUNNING".equals(c.taskInfo(task).path("state").asText()));
        int port = c.call("GET", "/v1/allocations/" + mine, null).path("ports").path("agent").asInt();

        b = new Browser();
        b.signIn(c.server.url(), farm);
        b.click("#nav a[data-view='allocations']", Duration.ofSeconds(20));
        String row = b.awaitTextOf("#allocations tr[data-allocation='" + mine + "']", "executor-1", Duration.ofSeconds(20));
        assertThat(row).contains("farm").contains("m1").contains("0.25 cpus, 64 MiB").contains("agent:" + port).contains("preemptible").contains("allocated");
        assertThat(b.text("#allocations")).as("another role's allocation is not shown").doesNotContain(theirs).doesNotContain("theirs");
        b.screenshot("allocations");

        b.click("#allocations tr[data-allocation='" + mine + "'] a", Duration.ofSeconds(10));
        b.awaitText("#task-list tr[data-task='" + task + "']", "running", Duration.ofSeconds(20));
        assertThat(b.text("#allocation")).contains("executor-1").contains("role farm").contains("lease ends");
        assertThat(b.text("#history")).contains("allocated");
        b.screenshot("allocation");
        b.click("#task-list tr[data-task='" + task + "'] a.stdout", Duration.ofSeconds(10));
        b.awaitText("#log", "building on port " + port, Duration.ofSeconds(30));
        b.click("#task-allocation", Duration.ofSeconds(10)); // and back to the allocation from its task's output
        b.awaitText("#task-list tr[data-task='" + task + "']", "running", Duration.ofSeconds(20));

        assertThat(b.find("#release-confirm").isDisplayed()).as("nothing is released in one click").isFalse();
        b.click("#release", Duration.ofSeconds(20)); // the page re-renders as its watch sees changes: found and clicked in one try
        b.awaitTrue(() -> b.find("#release-confirm").isDisplayed(), Duration.ofSeconds(10));
        b.click("#release-confirm", Duration.ofSeconds(20));
        b.awaitText("#allocation", "released", Duration.ofSeconds(30));
        b.awaitText("#task-list tr[data-task='" + task + "']", "killed", Duration.ofSeconds(30));
        assertThat(b.driver.findElements(By.cssSelector("#actions #release"))).as("an ended allocation has nothing to release").isEmpty();
        assertThat(c.callAs(farm, "GET", "/v1/allocations/" + mine, null).path("state").asText()).isEqualTo("RELEASED");
        assertThat(c.callAs(other, "GET", "/v1/allocations/" + theirs, null).path("state").asText()).isEqualTo("ALLOCATED");

        b.open(c.server.url() + "/#/allocations");
        b.awaitText("#allocations", "of 0", Duration.ofSeconds(20)); // the live ones only, by default
        b.click("#show-ended", Duration.ofSeconds(20));
        b.awaitText("#allocations tr[data-allocation='" + mine + "']", "released", Duration.ofSeconds(20));
    }

    /** An allocation placed in a preempted one's room links to it; the preempted one says what took it. */
    @Test
    void a_preemption_is_told_on_both_allocations_pages() throws Exception {
        Browser.assumeAvailable();
        c = new Cluster();
        c.agent("m1", Map.of());
        c.call("PUT", "/v1/roles/farm", "{\"weight\":1}");
        long millis = c.call("GET", "/v1/agents", null).get(0).path("total").path("cpuMillis").asLong(); // the machine's, whatever it has
        String borrowed = c.call("POST", "/v1/requests", "{\"role\":\"farm\",\"name\":\"executor\",\"cpus\":\"" + (millis - 500) + "m\","
                + "\"memory\":\"64m\",\"priority\":10,\"preemptible\":true}").path("allocations").get(0).asText();
        String urgent = c.call("POST", "/v1/requests", "{\"name\":\"urgent\",\"cpus\":\"1\",\"memory\":\"64m\",\"priority\":100}")
                .path("allocations").get(0).asText();
        assertThat(c.call("GET", "/v1/allocations/" + borrowed, null).path("state").asText()).isEqualTo("PREEMPTED");

        b = new Browser();
        b.signIn(c.server.url(), c.server.adminToken());
        b.open(c.server.url() + "/#/allocations/" + urgent);
        b.awaitText("#allocation", "in the room of 1 preempted allocation: " + borrowed + " (role 'farm', priority 10)", Duration.ofSeconds(20));
        b.screenshot("allocation-preempting");
        b.click("#preempted a", Duration.ofSeconds(10));
        b.awaitText("#allocation", "preempted", Duration.ofSeconds(20));
        assertThat(b.text("#allocation-reason")).contains("preempted by request").contains("of role 'default' at priority 100");
        assertThat(b.driver.findElements(By.cssSelector("#actions #release"))).as("an ended allocation has nothing to release").isEmpty();
    }

    /** A task's output page whose agent stops answering says so, and asks again less and less often, not every 2 s for ever. */
    @Test
    void an_output_page_whose_agent_is_gone_says_so_and_backs_off() throws Exception {
        Browser.assumeAvailable();
        c = new Cluster();
        Agent m1 = c.agent("m1", Map.of());
        String alloc = c.allocate("0.1", "32m");
        String task = c.task(alloc, "{\"name\":\"quiet\",\"command\":\"sh\",\"args\":[\"-c\",\"echo started; exec sleep 600\"],\"killTimeout\":\"1s\"}");
        await().atMost(Duration.ofSeconds(30)).until(() -> "RUNNING".equals(c.taskInfo(task).path("state").asText()));
        b = new Browser();
        b.signIn(c.server.url(), c.server.adminToken());
        b.open(c.server.url() + "/#/logs/" + task);
        b.awaitText("#log", "started", Duration.ofSeconds(30));
        b.awaitText("#log-status", "Following", Duration.ofSeconds(20));
        m1.close(); // its log server with it: the parked follow ends, and every read after it is refused
        b.awaitText("#log-status", "Cannot read the output now (the agent at ", Duration.ofSeconds(60));
        b.awaitText("#log-status", "trying again in 4 s", Duration.ofSeconds(30));
        b.awaitText("#log-status", "trying again in 8 s", Duration.ofSeconds(30));
        assertThat(b.text("#log")).as("what was read stays").isEqualTo("started");
    }

    /** An ended task whose sandbox its agent has removed: the page says there is nothing to read, once, and does not ask again. */
    @Test
    void an_output_page_of_a_task_whose_sandbox_is_gone_says_so() throws Exception {
        Browser.assumeAvailable();
        c = new Cluster();
        c.agent("m1", Map.of("sandbox-retention", "1s"));
        String task = c.task(c.allocate("0.1", "32m"), "{\"name\":\"brief\",\"command\":\"sh\",\"args\":[\"-c\",\"echo bye\"]}");
        await().atMost(Duration.ofSeconds(30)).until(() -> "EXITED".equals(c.taskInfo(task).path("state").asText()));
        java.nio.file.Path dir = c.root.resolve("agent-m1").resolve("tasks").resolve(task);
        await().atMost(Duration.ofSeconds(60)).until(() -> !java.nio.file.Files.exists(dir));
        b = new Browser();
        b.signIn(c.server.url(), c.server.adminToken());
        b.open(c.server.url() + "/#/logs/" + task);
        b.awaitText("#log-status", "task " + task + " ended (exited) and agent m1 has removed its sandbox and its output", Duration.ofSeconds(30));
        b.awaitText("#task-state", "exited", Duration.ofSeconds(20));
    }

    /**
     * A task that starts between its output's refused read (its agent had no directory for it
     * yet) and the page's look at its state: the page took the refusal for the end ("agent m1 has
     * no output of task ...") and never read again. A stand-in agent's log server starts the task
     * just before it sends that refusal, so the race is sure.
     */
    @Test
    void an_output_page_whose_task_starts_just_after_its_read_was_refused_reads_again() throws Exception {
        Browser.assumeAvailable();
        c = new Cluster();
        byte[] output = "started late\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.util.concurrent.atomic.AtomicReference<Runnable> startIt = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicInteger refusals = new java.util.concurrent.atomic.AtomicInteger();
        com.sun.net.httpserver.HttpServer standIn = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        standIn.createContext("/v1/tasks/", x -> {
            Runnable start = startIt.getAndSet(null);
            if (start != null) { // the first read: refused, as the task starts
                start.run();
                refusals.incrementAndGet();
                byte[] no = "no task on this agent".getBytes(java.nio.charset.StandardCharsets.UTF_8);
                x.sendResponseHeaders(404, no.length);
                x.getResponseBody().write(no);
                x.close();
                return;
            }
            long offset = Long.parseLong(x.getRequestURI().getQuery().replaceAll(".*offset=(\\d+).*", "$1"));
            int from = (int) Math.min(offset, output.length);
            byte[] body = java.util.Arrays.copyOfRange(output, from, output.length);
            x.getResponseHeaders().add("X-Steward-Log-Offset", Long.toString(output.length));
            if (body.length == 0) {
                x.getResponseHeaders().add("X-Steward-Log-End", "true");
            }
            x.sendResponseHeaders(200, body.length == 0 ? -1 : body.length);
            x.getResponseBody().write(body);
            x.close();
        });
        standIn.start();
        try {
            dev.steward.api.AgentJoined joined = dev.steward.client.StewardClient.builder(c.server.url()).token(c.server.joinToken()).build()
                    .register(new dev.steward.api.AgentRegistration("m1", "4", "4g", null, null, null, null, "21000-21100",
                            Map.of("address", "http://127.0.0.1:" + standIn.getAddress().getPort())));
            dev.steward.client.StewardClient asAgent = dev.steward.client.StewardClient.builder(c.server.url()).token(joined.token()).build();
            String task = c.task(c.allocate("0.1", "32m"), "{\"name\":\"late\",\"command\":\"true\"}");
            assertThat(c.taskInfo(task).path("state").asText()).isEqualTo("PENDING");
            startIt.set(() -> {
                try {
                    asAgent.reportTask(joined.agent().id(), task, new dev.steward.api.TaskStatus(1, dev.steward.api.TaskState.RUNNING, 4242L, null, null, null, 0, null));
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            b = new Browser();
            b.signIn(c.server.url(), c.server.adminToken());
            b.open(c.server.url() + "/#/logs/" + task);
            b.awaitText("#log", "started late", Duration.ofSeconds(30));
            assertThat(refusals.get()).as("the first read was refused").isEqualTo(1);
            assertThat(b.text("#log-status")).doesNotContain("has no output");
        } finally {
            standIn.stop(0);
        }
    }
}
