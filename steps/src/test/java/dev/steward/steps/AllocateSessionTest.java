package dev.steward.steps;

import dev.steward.api.AllocateRequest;
import dev.steward.api.AllocationState;
import dev.steward.api.RequestState;
import dev.steward.api.ValidationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The allocate step's behaviour against a real allocator and agent. */
class AllocateSessionTest {
    private TestCluster c;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

    @BeforeEach
    void start() throws Exception {
        c = new TestCluster();
    }

    @AfterEach
    void stop() throws Exception {
        timer.shutdownNow();
        c.close();
    }

    private static AllocateRequest ask(String cpus, String ttl, String... ports) {
        return new AllocateRequest(null, "ci", 1, cpus, "64m", null, null, null, List.of(ports), null, null, null, null, null, null, ttl);
    }

    @Test
    void placedGivesTheBodyItsEnvironmentAndReleasesOnce() throws Exception {
        AllocateSession s = AllocateSession.start(c.admin, ask("0.5", null, "db"), c.listener);
        assertThat(s.awaitPlacement(Duration.ofSeconds(30))).isTrue();
        assertThat(s.environment()).containsKeys("STEWARD_REQUEST_ID", "STEWARD_ALLOC_ID", "STEWARD_PORT_DB").containsEntry("STEWARD_CPUS", "0.5")
                .containsEntry("STEWARD_AGENT", "a1").containsEntry("STEWARD_HOST", "127.0.0.1").doesNotContainKey("STEWARD_ALLOC_0_ID");
        assertThat(s.status()).startsWith("running on a1");
        assertThat(c.lines).anyMatch(l -> l.startsWith("steward: placed on a1 (127.0.0.1): allocation " + s.environment().get("STEWARD_ALLOC_ID")));
        String alloc = s.environment().get("STEWARD_ALLOC_ID");
        s.release("success");
        s.release("success");
        assertThat(c.admin.allocation(alloc).state()).isEqualTo(AllocationState.RELEASED);
        assertThat(c.lines.stream().filter(l -> l.startsWith("steward: released"))).hasSize(1);
    }

    @Test
    void eachOfSeveralAllocationsIsInTheEnvironmentWithItsHostAndPorts() throws Exception {
        AllocateRequest three = new AllocateRequest(null, "ci", 3, "0.1", "32m", null, null, null, List.of("db", "peer-port"), null, null, null, null, null,
                null, null);
        AllocateSession s = AllocateSession.start(c.admin, three, c.listener);
        assertThat(s.awaitPlacement(Duration.ofSeconds(30))).isTrue();
        java.util.Map<String, String> env = s.environment();
        List<String> ids = List.of(env.get("STEWARD_ALLOC_IDS").split(","));
        assertThat(ids).hasSize(3).doesNotHaveDuplicates();
        assertThat(env).containsEntry("STEWARD_HOSTS", "127.0.0.1,127.0.0.1,127.0.0.1").containsEntry("STEWARD_ALLOC_ID", ids.get(0));
        java.util.Set<String> ports = new java.util.HashSet<>();
        for (int i = 0; i < 3; i++) {
            var a = c.admin.allocation(ids.get(i));
            assertThat(env).as("allocation %s", i).containsEntry("STEWARD_ALLOC_" + i + "_ID", a.id()).containsEntry("STEWARD_ALLOC_" + i + "_AGENT", "a1")
                    .containsEntry("STEWARD_ALLOC_" + i + "_HOST", "127.0.0.1")
                    .containsEntry("STEWARD_ALLOC_" + i + "_PORT_DB", String.valueOf(a.ports().get("db")))
                    .containsEntry("STEWARD_ALLOC_" + i + "_PORT_PEER_PORT", String.valueOf(a.ports().get("peer-port")));
            assertThat(a.host()).isEqualTo("127.0.0.1");
            ports.add(env.get("STEWARD_ALLOC_" + i + "_PORT_DB"));
            ports.add(env.get("STEWARD_ALLOC_" + i + "_PORT_PEER_PORT"));
            assertThat(c.lines).contains("steward:   " + i + ": " + a.id() + " on a1 (127.0.0.1), ports " + a.ports());
        }
        assertThat(ports).as("six ports, each its own").hasSize(6);
        assertThat(env.get("STEWARD_PORT_DB")).isEqualTo(env.get("STEWARD_ALLOC_0_PORT_DB"));
        assertThat(c.lines).contains("steward: placed 3 allocations:");
        assertThat(s.status()).isEqualTo("running on a1 (" + ids.get(0) + ") and 2 more");
        s.release("success");
    }

    @Test
    void pendingSaysWhyInTheLogAndTheStatusAndAnAbortReleases() throws Exception {
        AllocateSession s = AllocateSession.start(c.admin, ask("500", null), c.listener);
        assertThat(s.awaitPlacement(Duration.ofSeconds(1))).isFalse();
        assertThat(s.status()).isEqualTo("pending: 1 agent: 1 insufficient cpus");
        assertThat(c.lines).contains("[status] pending: 1 agent: 1 insufficient cpus").anyMatch(l -> l.contains("not placed within 1s"));
        s.release("aborted");
        assertThat(c.admin.request(s.requestId(), 0, Duration.ZERO).value().state()).isEqualTo(RequestState.CANCELLED);
    }

    @Test
    void aSessionReattachesByItsSavedIdAfterARestart() throws Exception {
        AllocateSession before = AllocateSession.start(c.admin, ask("0.2", null, "http"), c.listener);
        assertThat(before.awaitPlacement(Duration.ofSeconds(30))).isTrue();
        String saved = before.requestId(); // the only field a Jenkins step keeps across a controller restart
        AllocateSession after = AllocateSession.resume(c.admin, saved, c.listener);
        assertThat(after.awaitPlacement(Duration.ofSeconds(5))).isTrue();
        assertThat(after.environment()).isEqualTo(before.environment());
        after.release("failure");
        assertThat(c.admin.allocation(after.environment().get("STEWARD_ALLOC_ID")).state()).isEqualTo(AllocationState.RELEASED);
    }

    @Test
    void aDrainOfItsAgentIsSaidInTheLogOnceEachWay() throws Exception {
        AllocateSession s = AllocateSession.start(c.admin, ask("0.2", "1h"), c.listener);
        assertThat(s.awaitPlacement(Duration.ofSeconds(30))).isTrue();
        String alloc = s.environment().get("STEWARD_ALLOC_ID");
        assertThat(c.lines).as("no ports asked: none said").contains("steward: placed on a1 (127.0.0.1): allocation " + alloc);
        String agent = c.admin.allocation(alloc).agentId();
        c.admin.drain(agent, "10m");
        s.renewNow();
        s.renewNow();
        assertThat(c.lines.stream().filter(l -> l.contains("is asked to leave"))).hasSize(1)
                .allMatch(l -> l.contains("allocation " + alloc + " on agent a1 is asked to leave: agent a1 is draining") && l.contains("its lease ends at"));
        assertThat(c.admin.allocation(alloc).expiresAt()).as("the renewal stopped at the deadline")
                .isBefore(java.time.Instant.now().plus(Duration.ofMinutes(11)));
        c.admin.enable(agent);
        s.renewNow();
        assertThat(c.lines).anyMatch(l -> l.equals("steward: allocation " + alloc + " may stay: agent a1 is eligible again"));
        s.release("success");
    }

    @Test
    void renewalKeepsTheLeaseAliveWhileTheBodyRuns() throws Exception {
        AllocateSession s = AllocateSession.start(c.admin, ask("0.2", "2s"), c.listener);
        assertThat(s.awaitPlacement(Duration.ofSeconds(30))).isTrue();
        String alloc = s.environment().get("STEWARD_ALLOC_ID");
        s.startRenewing(timer);
        long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            assertThat(c.admin.allocation(alloc).state()).as("still held past its 2s lease").isEqualTo(AllocationState.ALLOCATED);
            return System.nanoTime() > until;
        });
        s.release("success");
        assertThat(c.admin.allocation(alloc).state()).isEqualTo(AllocationState.RELEASED);
    }

    @Test
    void badArgumentsAreRefusedBeforeAnythingIsAskedFor() {
        assertThatThrownBy(() -> AllocateSession.start(c.admin, ask("lots", null), c.listener)).isInstanceOf(ValidationException.class)
                .hasMessageStartingWith("cpus:");
        assertThatThrownBy(() -> AllocateSession.start(c.admin, ask("0", null), c.listener)).as("none would cap nothing").isInstanceOf(ValidationException.class)
                .hasMessageStartingWith("cpus: is 0, below the least an allocation may have");
    }

    @Test
    void aFailedReleaseIsSaidInTheLogAndRetriedUntilTheAllocatorConfirms(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        PendingReleases pending = new PendingReleases(dir.resolve("steward/pending-releases"));
        dev.steward.client.StewardClient unreachable = dev.steward.client.StewardClient.builder("http://127.0.0.1:1").retryBudget(Duration.ZERO).build();
        AllocateSession s = AllocateSession.start(c.admin, ask("0.2", null), c.listener).releasingWith(unreachable).retryingFailedReleaseIn(pending);
        assertThat(s.awaitPlacement(Duration.ofSeconds(30))).isTrue();
        String alloc = s.environment().get("STEWARD_ALLOC_ID");
        s.release("the body ended");
        assertThat(c.lines).anyMatch(l -> l.startsWith("steward: WARNING: could not release request " + s.requestId())
                && l.contains("retried every minute"));
        assertThat(pending.list()).containsExactly(s.requestId());
        assertThat(c.admin.allocation(alloc).state()).as("not released yet").isEqualTo(AllocationState.ALLOCATED);

        pending.add("req-queued-behind-it");
        assertThat(pending.retry(unreachable).failed()).hasSize(2).first().asString().startsWith(s.requestId());
        assertThat(pending.retry(unreachable).failed().get(1)).contains("not tried, the allocator is unreachable");
        assertThat(new PendingReleases(dir.resolve("steward/pending-releases")).list()).as("kept on disk for the next sweep")
                .containsExactly(s.requestId(), "req-queued-behind-it");

        pending.add("req-that-was-never-made"); // the allocator answers 404: nothing left to release
        PendingReleases.Retry r = pending.retry(c.admin);
        assertThat(r.released()).containsExactlyInAnyOrder(s.requestId(), "req-queued-behind-it", "req-that-was-never-made");
        assertThat(r.failed()).isEmpty();
        assertThat(pending.list()).isEmpty();
        assertThat(c.admin.allocation(alloc).state()).isEqualTo(AllocationState.RELEASED);
    }

    /**
     * Two hundred steps waiting at once hold two hundred sockets and no thread each: the waits are
     * answers the HTTP client's selector reads, not threads parked on long polls. A design with a
     * thread per wait would add about 200 threads here.
     */
    @Test
    void hundredsOfConcurrentWaitsHoldNoThreadEach() throws Exception {
        int n = 200;
        java.time.Clock clock = java.time.Clock.systemUTC();
        AllocateSession warm = AllocateSession.start(c.admin, ask("0.02", null), c.listener); // the HTTP client and its threads exist before counting
        assertThat(warm.placed(warm.awaitPlacementAsync(clock.instant().plusSeconds(30), clock).get(30, java.util.concurrent.TimeUnit.SECONDS))).isTrue();
        int before = clientSideThreads();
        Recorder quiet = new Recorder();
        List<AllocateSession> sessions = new java.util.ArrayList<>();
        List<java.util.concurrent.CompletableFuture<dev.steward.api.RequestInfo>> waits = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) { // each waits for an agent in pool "late", which has not joined yet
            AllocateSession s = AllocateSession.start(c.admin, new AllocateRequest(null, "wait-" + i, 1, "0.02", "16m", null, null, null, null, null,
                    List.of(dev.steward.api.Constraint.eq("pool", "late")), null, null, null, null, null), quiet);
            sessions.add(s);
            waits.add(s.awaitPlacementAsync(clock.instant().plus(Duration.ofMinutes(2)), clock));
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> sessions.stream().allMatch(s -> s.status().startsWith("pending")));
        int during = clientSideThreads();
        System.out.printf("%d parked waits: %d client-side threads before, %d during%n", n, before, during);
        assertThat(waits).noneMatch(java.util.concurrent.CompletableFuture::isDone);
        assertThat(during - before).as("threads added while %d waits are parked (%d before, %d during)", n, before, during).isLessThan(20);

        dev.steward.client.StewardClient.builder(c.server.url()).token(c.server.joinToken()).build()
                .register(new dev.steward.api.AgentRegistration("late", "8", "8g", null, null, null, null, null, java.util.Map.of("pool", "late")));
        java.util.concurrent.CompletableFuture.allOf(waits.toArray(new java.util.concurrent.CompletableFuture[0])).get(60, java.util.concurrent.TimeUnit.SECONDS);
        for (java.util.concurrent.CompletableFuture<dev.steward.api.RequestInfo> w : waits) {
            assertThat(w.get().state()).isEqualTo(RequestState.PLACED);
        }
        assertThat(sessions.get(0).placed(waits.get(0).get())).isTrue();
        assertThat(sessions.get(0).allocations().get(0).agentName()).isEqualTo("late");
    }

    /** Threads of this JVM but the allocator's HTTP pool, which serves the same 200 queries from this JVM and grows for them. */
    private static int clientSideThreads() {
        return (int) Thread.getAllStackTraces().keySet().stream().filter(t -> !t.getName().startsWith("steward-http-")).count();
    }

    /** A wait resumed after a controller restart ends at the saved deadline, not a full wait later. */
    @Test
    void aResumedWaitEndsAtTheSavedDeadline() throws Exception {
        java.time.Clock clock = java.time.Clock.systemUTC();
        AllocateSession first = AllocateSession.start(c.admin, ask("500", null), c.listener);
        java.time.Instant deadline = clock.instant().plusSeconds(3); // what the step saved
        first.awaitPlacementAsync(deadline, clock).cancel(true); // the controller went away
        AllocateSession resumed = AllocateSession.resume(c.admin, first.requestId(), c.listener);
        dev.steward.api.RequestInfo r = resumed.awaitPlacementAsync(deadline, clock).get(30, java.util.concurrent.TimeUnit.SECONDS);
        java.time.Instant ended = clock.instant();
        assertThat(r).as("not placed: 500 cpus").isNull();
        assertThat(ended).isAfterOrEqualTo(deadline).isBefore(deadline.plusSeconds(5));
        assertThat(resumed.placed(r)).isFalse();
        assertThat(c.lines).anyMatch(l -> l.startsWith("steward: not placed by ") && l.contains("insufficient cpus"));

        java.time.Instant past = clock.instant().minusSeconds(60); // resumed long after its deadline: one read, then done
        assertThat(AllocateSession.resume(c.admin, first.requestId(), c.listener).awaitPlacementAsync(past, clock)
                .get(10, java.util.concurrent.TimeUnit.SECONDS)).isNull();
        first.release("aborted");
    }
}
