package dev.steward.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import dev.steward.allocator.Server;
import dev.steward.allocator.ServerConfig;
import dev.steward.api.AgentJoined;
import dev.steward.api.TaskState;
import dev.steward.api.TaskStatus;
import dev.steward.client.StewardClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code steward logs -f} of a task its agent has not started yet waits for it to start, then
 * follows it to its end, and so does {@code --all -f} of a service's instance; a plain read of
 * it, and a follow of a task that ended before it started, say why there is no output. The agent is a stand-in log server on loopback that answers as a
 * real one does (404 while it has no directory for the task), so the test decides when the task
 * starts.
 */
class LogsFollowTest {
    @TempDir
    Path dir;

    private StandInAgent agent;
    /** The offsets of the log reads the stand-in agent was sent, in order. */
    private final List<Long> reads = new CopyOnWriteArrayList<>();
    private volatile boolean started;
    private volatile boolean ended;
    /** A read was answered with the end of the log. */
    private volatile boolean endServed;
    /** Runs once as the first refusal is about to be sent: the task starts between the refusal and the follow's next look. */
    private volatile Runnable onFirstRefusal;
    /** The agent fails every read (a 500: the allocator answers 502), as one being restarted or cut off would fail it. */
    private volatile boolean failing;
    /** What a failing read is answered: 500 (the allocator answers 502), or 503 (the agent's follows at their limit, passed on). */
    private volatile int failStatus = 500;
    /** Reads failed while {@link #failing}. */
    private final java.util.concurrent.atomic.AtomicInteger failed = new java.util.concurrent.atomic.AtomicInteger();
    /** Output after "hello\n", once set. */
    private volatile String more;

    @BeforeEach
    void standInAgent() throws IOException {
        agent = StandInAgent.start(this::logs);
    }

    /** The threads running a follow in the background: stopped after each test (see {@link #background}). */
    private final List<Thread> follows = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() throws InterruptedException {
        for (Thread t : follows) { // a follow a failed test left waiting would hold CliRun, and every later CLI run of this JVM, forever
            t.interrupt();
            t.join(TimeUnit.SECONDS.toMillis(30));
        }
        agent.close();
    }

    /**
     * {@code steward ARGS} on a thread of its own, which the end of the test interrupts if it still
     * runs: a follow ends when interrupted, and releases {@link CliRun} for the next test.
     */
    private CompletableFuture<CliRun> background(String... args) {
        CompletableFuture<CliRun> run = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                run.complete(CliRun.of(args));
            } catch (Throwable e) {
                run.completeExceptionally(e);
            }
        }, "steward-logs-follow");
        t.setDaemon(true);
        follows.add(t);
        t.start();
        return run;
    }

    /** As the agent's log server: 404 with no sandbox; "hello\n"; then nothing until the task has ended. */
    private void logs(HttpExchange x) throws IOException {
        String q = x.getRequestURI().getQuery();
        long offset = Long.parseLong(q.replaceAll(".*offset=(\\d+).*", "$1"));
        reads.add(offset);
        byte[] body;
        if (failing) {
            failed.incrementAndGet();
            body = (failStatus == 503 ? "too many follows at once" : "disk on fire").getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(failStatus, body.length);
        } else if (!started) {
            Runnable r = onFirstRefusal;
            onFirstRefusal = null;
            if (r != null) {
                r.run();
            }
            body = "no task on this agent".getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(404, body.length);
        } else {
            String m = more;
            body = offset == 0 ? "hello\n".getBytes(StandardCharsets.UTF_8) : offset == 6 && m != null ? m.getBytes(StandardCharsets.UTF_8) : new byte[0];
            x.getResponseHeaders().add("X-Steward-Log-Offset", Long.toString(offset + body.length));
            if (body.length == 0 && ended) {
                x.getResponseHeaders().add("X-Steward-Log-End", "true");
                endServed = true;
            }
            x.sendResponseHeaders(200, body.length == 0 ? -1 : body.length);
        }
        x.getResponseBody().write(body);
        x.close();
    }

    private record Setup(Server server, StewardClient agentClient, String agentId, String allocation, String task) {
        void report(long seq, TaskState state, Integer exit) throws IOException {
            agentClient.reportTask(agentId, task, new TaskStatus(seq, state, state == TaskState.RUNNING ? 4242L : null, exit, null, null, 0, null));
        }
    }

    private Setup setup(Server s) throws IOException {
        AgentJoined joined = agent.join(s);
        StewardClient admin = StewardClient.builder(s.url()).token(s.adminToken()).build();
        String allocation = admin.call("POST", "/v1/requests", Map.of("name", "job", "cpus", "1", "memory", "256m"), JsonNode.class, false)
                .path("allocations").get(0).asText();
        String task = admin.call("POST", "/v1/allocations/" + allocation + "/tasks", Map.of("name", "build", "command", "echo hello"), JsonNode.class, false)
                .path("id").asText();
        return new Setup(s, StewardClient.builder(s.url()).token(joined.token()).build(), joined.agent().id(), allocation, task);
    }

    @Test
    void aFollowOfATaskNotStartedYetWaitsForItThenFollowsItToItsEnd() throws Exception {
        try (Server s = Server.start(ServerConfig.of(dir).withHeartbeatGrace(Duration.ofMinutes(5)))) {
            Setup t = setup(s);

            CliRun plain = CliRun.of(CliRun.with(s, "logs", t.allocation()));
            assertThat(plain.code()).as("a plain read says there is no output yet").isNotZero();
            assertThat(plain.err()).contains("task " + t.task() + " has not started on agent m1 yet: it has no output so far");

            CompletableFuture<CliRun> follow = background(CliRun.with(s, "logs", t.allocation(), "-f"));
            await().atMost(Duration.ofSeconds(30)).until(() -> reads.size() >= 2); // the plain read's, then the follow's, both refused
            // and it has seen the task pending: it waits on its blocking query (the task started before that is read again, as below)
            await().atMost(Duration.ofSeconds(30)).until(() -> s.engine().parkedQueries() == 1);
            assertThat(follow).as("the follow waits for the task rather than ending on the refusal").isNotDone();

            started = true;
            t.report(1, TaskState.RUNNING, null);
            await().atMost(Duration.ofSeconds(30)).until(() -> reads.contains(6L)); // "hello\n" read, the follow waits for more
            // the agent ends the log before its report of the end reaches the allocator: the follow waits for the report to say how it ended
            ended = true;
            await().atMost(Duration.ofSeconds(30)).until(() -> endServed);
            await().atMost(Duration.ofSeconds(30)).until(() -> follow.isDone() || s.engine().parkedQueries() == 1);
            t.report(2, TaskState.EXITED, 0);

            CliRun run = follow.get(60, TimeUnit.SECONDS);
            assertThat(run.code()).as(run.err()).isZero();
            assertThat(run.out()).isEqualTo("hello\n");
            assertThat(run.err()).contains("(task " + t.task() + " has not started yet; waiting for it)")
                    .contains("(task " + t.task() + " has ended: exited");
        }
    }

    /**
     * The task starts between its read's refusal and the follow's look at it: the follow took the
     * refusal for the end and failed ("has not started"), although the task ran. A busy machine
     * made this happen in one run of {@link #everyInstancesFollowWaitsForAnInstanceNotStartedYet}
     * (7 December); here the stand-in agent starts the task just before it sends the refusal.
     */
    @Test
    void aFollowWhoseTaskStartsJustAfterItsReadWasRefusedReadsAgain() throws Exception {
        try (Server s = Server.start(ServerConfig.of(dir).withHeartbeatGrace(Duration.ofMinutes(5)))) {
            Setup t = setup(s);
            onFirstRefusal = () -> {
                started = true;
                try {
                    t.report(1, TaskState.RUNNING, null);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            };
            CompletableFuture<CliRun> follow = background(CliRun.with(s, "logs", t.allocation(), "-f"));
            await().atMost(Duration.ofSeconds(30)).until(() -> reads.contains(6L)); // read again: "hello\n", then the follow waits for more
            ended = true;
            t.report(2, TaskState.EXITED, 0);
            CliRun run = follow.get(60, TimeUnit.SECONDS);
            assertThat(run.code()).as(run.err()).isZero();
            assertThat(run.out()).isEqualTo("hello\n");
            assertThat(run.err()).doesNotContain("has not started");
        }
    }

    @Test
    void everyInstancesFollowWaitsForAnInstanceNotStartedYet() throws Exception {
        try (Server s = Server.start(ServerConfig.of(dir.resolve("data")).withHeartbeatGrace(Duration.ofMinutes(5)))) {
            Setup t = setup(s);
            StewardClient admin = StewardClient.builder(s.url()).token(s.adminToken()).build();
            dev.steward.api.InstanceInfo instance = deployWeb(admin);
            Setup web = new Setup(s, t.agentClient(), t.agentId(), t.allocation(), instance.taskId());

            CompletableFuture<CliRun> follow = background(CliRun.with(s, "logs", "web", "--env", "e", "--all", "-f"));
            await().atMost(Duration.ofSeconds(30)).until(() -> !reads.isEmpty()); // the instance's read, refused: not started yet
            // and it has seen the instance's task pending: it waits on its blocking query, beside the one on the service's instances
            await().atMost(Duration.ofSeconds(30)).until(() -> s.engine().parkedQueries() == 2);
            assertThat(follow).as("the follow waits for the instance rather than giving it up").isNotDone();

            started = true;
            web.report(1, TaskState.RUNNING, null);
            await().atMost(Duration.ofSeconds(30)).until(() -> reads.contains(6L));
            admin.deployments().delete("web", "e");
            ended = true;
            web.report(2, TaskState.KILLED, null);

            CliRun run = follow.get(60, TimeUnit.SECONDS);
            assertThat(run.code()).as(run.err()).isZero();
            assertThat(run.out()).isEqualTo("[r1 " + instance.id() + "] hello\n");
            assertThat(run.err()).contains("(instance " + instance.id() + " has not started yet; waiting for it)")
                    .contains("(instance " + instance.id() + " of revision 1 has ended)").contains("(service web/e was deleted)");
        }
    }

    /**
     * Its agent fails every read for a while (restarted for an upgrade, or cut off): the follow
     * said the allocator's 502 and ended, exit 1, with the task still running; it now says so once,
     * reads again from where it was, and goes on when the agent answers, nothing printed twice.
     */
    @Test
    void aFollowGoesOnThroughItsAgentsSilenceWhileTheTaskRuns() throws Exception {
        try (Server s = Server.start(ServerConfig.of(dir).withHeartbeatGrace(Duration.ofMinutes(5)))) {
            Setup t = setup(s);
            CliRun run = throughFailingReads(s, t, 500);
            assertThat(run.err()).containsOnlyOnce("(task " + t.task() + ": its output cannot be read now: agent m1 answered 500: disk on fire; following on "
                    + "until it can or the task ends (Ctrl-C to stop))").containsOnlyOnce("(task " + t.task() + ": its output can be read again)")
                    .contains("(task " + t.task() + " has ended: exited");
        }
    }

    /**
     * A follow of {@code t} while its agent answers every read with {@code status} for longer than
     * the client's own retries, then answers again, and the task ends: the follow's run, which went
     * on through the failures and printed each line once.
     */
    private CliRun throughFailingReads(Server s, Setup t, int status) throws Exception {
        CompletableFuture<CliRun> follow = followRunning(s, t);
        failStatus = status;
        failing = true;
        // the client's own retries (5 s for a person's command: about 6 reads with backoff) give up; then the follow reads again itself
        await().atMost(Duration.ofSeconds(60)).until(() -> failed.get() >= 8);
        assertThat(follow).as("the follow goes on through the failures").isNotDone();
        more = "world\n";
        failing = false;
        await().atMost(Duration.ofSeconds(30)).until(() -> reads.contains(12L));
        ended = true;
        t.report(2, TaskState.EXITED, 0);

        CliRun run = follow.get(60, TimeUnit.SECONDS);
        assertThat(run.code()).as(run.err()).isZero();
        assertThat(run.out()).isEqualTo("hello\nworld\n");
        return run;
    }

    /**
     * Its agent answers 503 for a while (its follows at their limit): the allocator passes that on
     * as the agent's, and the follow says the agent's silence, not the allocator's, and goes on.
     */
    @Test
    void aFollowGoesOnThroughItsAgentsOwn503AndSaysItIsTheAgents() throws Exception {
        try (Server s = Server.start(ServerConfig.of(dir).withHeartbeatGrace(Duration.ofMinutes(5)))) {
            Setup t = setup(s);
            CliRun run = throughFailingReads(s, t, 503);
            assertThat(run.err()).containsOnlyOnce("(task " + t.task() + ": its output cannot be read now: agent m1 answered 503: too many follows at "
                    + "once; following on until it can or the task ends (Ctrl-C to stop))").doesNotContain("the allocator cannot be reached");
        }
    }

    /**
     * The allocator is stopped mid-follow for longer than the client's retries (5 s), then started
     * again on its port and data, as an upgrade restarts it: the follow ended with the refused
     * connection; it now says so once and goes on where it was when the allocator is back.
     */
    @Test
    void aFollowGoesOnThroughTheAllocatorsRestart() throws Exception {
        Server s = Server.start(ServerConfig.of(dir).withHeartbeatGrace(Duration.ofMinutes(5)));
        Server again = null;
        try {
            Setup t = setup(s);
            CompletableFuture<CliRun> follow = followRunning(s, t);
            InetSocketAddress at = s.address();
            s.close();
            // down for longer than the client's 5 s of retries: a deliberate outage, not a wait for a condition
            await().pollDelay(Duration.ofSeconds(9)).atMost(Duration.ofSeconds(10)).until(() -> true);
            assertThat(follow).as("the follow waits for the allocator").isNotDone();
            more = "world\n";
            again = Server.start(ServerConfig.of(dir).withHeartbeatGrace(Duration.ofMinutes(5)).withBind(at));
            await().atMost(Duration.ofSeconds(30)).until(() -> reads.contains(12L));
            ended = true;
            t.report(2, TaskState.EXITED, 0);
            CliRun run = follow.get(60, TimeUnit.SECONDS);
            assertThat(run.code()).as(run.err()).isZero();
            assertThat(run.out()).isEqualTo("hello\nworld\n");
            assertThat(run.err()).containsOnlyOnce("(task " + t.task() + ": the allocator cannot be reached now: ")
                    .containsOnlyOnce("; following on until it can (Ctrl-C to stop))")
                    .containsOnlyOnce("(task " + t.task() + ": the allocator answers again)");
        } finally {
            (again != null ? again : s).close(); // the first is closed already once the second runs
        }
    }

    /** Service web/e of one instance, deployed on the stand-in agent: its instance, once it has a task. */
    private dev.steward.api.InstanceInfo deployWeb(StewardClient admin) throws Exception {
        Path v1 = DemoApps.sleeper(dir, "v1");
        String digest = dev.steward.client.PackageClient.digestOf(v1);
        admin.packages().push(v1, digest);
        admin.deployments().deploy("web", "e", dev.steward.api.DeployRequest.of(digest, 1, null));
        return await().atMost(Duration.ofSeconds(30))
                .until(() -> admin.deployments().instances("web", "e").stream().filter(i -> i.taskId() != null).findFirst().orElse(null), i -> i != null);
    }

    /**
     * {@code --all -f} through the allocator's restart: the watch of the service's instances ended
     * the command; now it says the silence once for every follow (the instance's own follow goes on
     * without a word of it), and the command goes on to the service's delete.
     */
    @Test
    void everyInstancesFollowGoesOnThroughTheAllocatorsRestart() throws Exception {
        Server s = Server.start(ServerConfig.of(dir.resolve("data")).withHeartbeatGrace(Duration.ofMinutes(5)));
        Server again = null;
        try {
            Setup t = setup(s);
            StewardClient admin = StewardClient.builder(s.url()).token(s.adminToken()).build();
            dev.steward.api.InstanceInfo instance = deployWeb(admin);
            Setup web = new Setup(s, t.agentClient(), t.agentId(), t.allocation(), instance.taskId());
            started = true;
            web.report(1, TaskState.RUNNING, null);
            CompletableFuture<CliRun> follow = background(CliRun.with(s, "logs", "web", "--env", "e", "--all", "-f"));
            await().atMost(Duration.ofSeconds(30)).until(() -> reads.contains(6L));
            InetSocketAddress at = s.address();
            s.close();
            // down for longer than the client's 5 s of retries: a deliberate outage, not a wait for a condition
            await().pollDelay(Duration.ofSeconds(9)).atMost(Duration.ofSeconds(10)).until(() -> true);
            assertThat(follow).as("the follow waits for the allocator").isNotDone();
            more = "world\n";
            again = Server.start(ServerConfig.of(dir.resolve("data")).withHeartbeatGrace(Duration.ofMinutes(5)).withBind(at));
            await().atMost(Duration.ofSeconds(30)).until(() -> reads.contains(12L));
            admin.deployments().delete("web", "e");
            ended = true;
            web.report(2, TaskState.KILLED, null);

            CliRun run = follow.get(60, TimeUnit.SECONDS);
            assertThat(run.code()).as(run.err()).isZero();
            assertThat(run.out()).isEqualTo("[r1 " + instance.id() + "] hello\n[r1 " + instance.id() + "] world\n");
            assertThat(run.err()).containsOnlyOnce("the allocator cannot be reached now: ").contains("(service web/e: the allocator cannot be reached now: ")
                    .containsOnlyOnce("(service web/e: the allocator answers again)").contains("(service web/e was deleted)");
        } finally {
            (again != null ? again : s).close(); // the first is closed already once the second runs
        }
    }

    /** Starts {@code t}'s task and a follow of it; returns once the follow has read "hello\n" and waits for more. */
    private CompletableFuture<CliRun> followRunning(Server s, Setup t) throws IOException {
        started = true;
        t.report(1, TaskState.RUNNING, null);
        CompletableFuture<CliRun> follow = background(CliRun.with(s, "logs", t.allocation(), "-f"));
        await().atMost(Duration.ofSeconds(30)).until(() -> reads.contains(6L));
        return follow;
    }

    /** Its agent fails the reads and the task ends meanwhile: the follow ends, exit 1, saying how the task ended and why the rest is not shown. */
    @Test
    void aFollowWhoseTaskEndsWhileItsAgentIsSilentSaysHowAndFails() throws Exception {
        try (Server s = Server.start(ServerConfig.of(dir).withHeartbeatGrace(Duration.ofMinutes(5)))) {
            Setup t = setup(s);
            CompletableFuture<CliRun> follow = followRunning(s, t);
            failing = true;
            await().atMost(Duration.ofSeconds(30)).until(() -> failed.get() >= 1);
            t.report(2, TaskState.KILLED, null); // ended while its output cannot be read: once the client's retries give up, the follow ends

            CliRun run = follow.get(60, TimeUnit.SECONDS);
            assertThat(run.code()).isEqualTo(1);
            assertThat(run.out()).isEqualTo("hello\n");
            assertThat(run.err()).contains("(task " + t.task() + " has ended: killed; the rest of its output cannot be read: agent m1 answered 500: disk on fire");
        }
    }

    @Test
    void aFollowOfATaskThatEndedBeforeItStartedSaysSoAndEnds() throws Exception {
        try (Server s = Server.start(ServerConfig.of(dir).withHeartbeatGrace(Duration.ofMinutes(5)))) {
            Setup t = setup(s);
            StewardClient.builder(s.url()).token(s.adminToken()).build().release(t.allocation());
            t.report(1, TaskState.KILLED, null); // the agent never started it: it says so when told to stop it

            CliRun run = CliRun.of(CliRun.with(s, "logs", t.allocation(), "-f"));
            assertThat(run.code()).isNotZero();
            assertThat(run.err()).contains("task " + t.task() + " ended (killed) before it started on agent m1, so it has no output");
        }
    }
}
