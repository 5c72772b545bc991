package dev.steward.agent;

import dev.steward.api.TaskInfo;
import dev.steward.api.TaskSpec;
import dev.steward.api.TaskState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Starts on a launch pool (LAUNCHING), with real processes and the pool's runs held until the
 * test lets them go: a stop that comes while a task starts is carried out once its process
 * exists; a start that fails on the pool fails the task; a full pool leaves the task waiting;
 * the RUNNING report is journaled before the loop sees the task running, in order with the
 * reports after it.
 */
class SupervisorLaunchTest {
    @TempDir
    Path data;
    private Launcher launcher;
    private Reporter reporter;
    private final ExecutorService probes = Executors.newSingleThreadExecutor();
    /** The pool: runs are held here until {@link #runHeld}. */
    private final Deque<Runnable> held = new ArrayDeque<>();
    private final AtomicInteger wakes = new AtomicInteger();
    private final List<TaskProcess> started = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        launcher = new Launcher(data, new NoCgroups(), null, null, false);
        // never started: reports are journaled and queued, nothing is sent
        reporter = new Reporter(new AllocatorClient("http://127.0.0.1:9", null, null, false, java.time.Duration.ofSeconds(5), java.time.Duration.ofSeconds(1)), "agent", data.resolve("tasks"), t -> { });
    }

    @AfterEach
    void tearDown() {
        for (TaskProcess p : started) {
            p.signal("KILL");
        }
        probes.shutdownNow();
    }

    private Supervisor supervisor(String id, String command, String... args) throws Exception {
        Path dir = Files.createDirectories(data.resolve("tasks").resolve(id));
        TaskSpec spec = new TaskSpec(id, command, List.of(args), Map.of(), null, null, null, "1s", null, null);
        TaskInfo t = new TaskInfo(id, "alloc", "agent", "role", spec, Map.of(), null, false, TaskState.PENDING, null, null, null, null, 0, 0,
                Instant.EPOCH, null, null, 1, 1);
        return new Supervisor(t, dir, launcher, new NoCgroups(), reporter, probes, null, Instant.EPOCH)
                .launchOn(r -> held.add(r), wakes::incrementAndGet);
    }

    private void runHeld() {
        while (!held.isEmpty()) {
            held.poll().run();
        }
    }

    private List<String> journal(String id) throws Exception {
        return Files.readAllLines(data.resolve("tasks").resolve(id).resolve("statuses.jsonl"));
    }

    @Test
    void a_stop_during_the_start_is_carried_out_once_the_process_exists() throws Exception {
        Supervisor s = supervisor("t1", "sleep", "60");
        s.tick(Instant.EPOCH);
        assertThat(s.phase()).isEqualTo(Supervisor.Phase.LAUNCHING);
        assertThat(held).as("the start is the pool's, not the loop's").hasSize(1);
        s.stop("stopped by a test", Instant.EPOCH);
        s.stop("stopped again", Instant.EPOCH); // idempotent
        assertThat(s.phase()).isEqualTo(Supervisor.Phase.LAUNCHING);

        runHeld();
        assertThat(wakes.get()).as("the loop is woken when the start is done").isEqualTo(1);
        assertThat(journal("t1")).as("RUNNING is journaled on the pool, before the loop sees it").hasSize(1);
        s.tick(Instant.EPOCH.plusMillis(1));
        started.add(s.process());
        assertThat(s.phase()).isEqualTo(Supervisor.Phase.STOPPING);
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            s.tick(Instant.EPOCH.plusMillis(2));
            return s.done();
        });
        assertThat(s.process().alive()).isFalse();
        List<String> lines = journal("t1");
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).contains("\"seq\":1", "RUNNING");
        assertThat(lines.get(1)).contains("\"seq\":2", "KILLED", "stopped by a test");
        // the wrapper's shell said "Terminated" on the task's stderr when its command was stopped: not the task's output
        assertThat(Files.readString(data.resolve("tasks").resolve("t1").resolve("stderr.log"))).isEmpty();
    }

    @Test
    void a_start_that_fails_on_the_pool_fails_the_task() throws Exception {
        Supervisor s = supervisor("t2", "/no/such/command");
        s.tick(Instant.EPOCH);
        assertThat(s.phase()).isEqualTo(Supervisor.Phase.LAUNCHING);
        runHeld();
        s.tick(Instant.EPOCH);
        assertThat(s.done()).isTrue();
        List<String> lines = journal("t2");
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).contains("FAILED", "does not exist");
    }

    @Test
    void a_full_pool_leaves_the_task_waiting_for_the_next_tick() throws Exception {
        Path dir = Files.createDirectories(data.resolve("tasks").resolve("t3"));
        TaskSpec spec = new TaskSpec("t3", "sleep", List.of("60"), Map.of(), null, null, null, "1s", null, null);
        TaskInfo t = new TaskInfo("t3", "alloc", "agent", "role", spec, Map.of(), null, false, TaskState.PENDING, null, null, null, null, 0, 0,
                Instant.EPOCH, null, null, 1, 1);
        boolean[] full = {true};
        Supervisor s = new Supervisor(t, dir, launcher, new NoCgroups(), reporter, probes, null, Instant.EPOCH).launchOn(r -> {
            if (full[0]) {
                throw new RejectedExecutionException("full");
            }
            held.add(r);
        }, wakes::incrementAndGet);
        s.tick(Instant.EPOCH);
        assertThat(s.phase()).isEqualTo(Supervisor.Phase.WAITING);
        full[0] = false;
        s.tick(Instant.EPOCH.plusMillis(100));
        assertThat(s.phase()).isEqualTo(Supervisor.Phase.LAUNCHING);
        runHeld();
        s.tick(Instant.EPOCH.plusMillis(101));
        started.add(s.process());
        assertThat(s.phase()).isEqualTo(Supervisor.Phase.RUNNING);
        assertThat(s.process().alive()).isTrue();
        assertThat(journal("t3")).hasSize(1);
    }

    /**
     * The API's bound on one variable ({@link dev.steward.api.Validation#MAX_VARIABLE_BYTES}) is
     * what the launch path can carry: a variable of exactly that size reaches the task whole,
     * and one byte more cannot start (the kernel refuses the environment string).
     */
    @Test
    void a_variable_at_the_apis_bound_reaches_the_task_and_one_byte_more_cannot_start() throws Exception {
        int most = dev.steward.api.Validation.MAX_VARIABLE_BYTES - "V=".length();
        Path out = data.resolve("length");
        Supervisor fits = withVariable("t5", "a".repeat(most), "printf %s ${#V} > " + out);
        awaitDone(fits);
        assertThat(Files.readString(out)).isEqualTo(Integer.toString(most));

        Supervisor over = withVariable("t6", "a".repeat(most + 1), "true");
        awaitDone(over);
        assertThat(String.join("\n", journal("t6"))).contains("FAILED").contains("Argument list too long");
    }

    /**
     * A failed task's reason quotes its last line, stderr's or else stdout's, with what a
     * terminal acts on escaped: the reason reaches other people's terminals (a deploy's output,
     * the history), and a tenant's bytes must not rewrite them.
     */
    @Test
    void a_failed_tasks_reason_quotes_its_last_line_escaped() throws Exception {
        Supervisor err = failing("t7", "printf 'first\\n\\033]0;pwned\\007\\033[2J\\033[31mFAKE\\r\\n' >&2; echo on stdout; exit 3");
        awaitDone(err);
        String reason = String.join("\n", journal("t7"));
        assertThat(reason).contains("FAILED", "exited with code 3 (stderr: \\\\u001b]0;pwned\\\\u0007\\\\u001b[2J\\\\u001b[31mFAKE)");
        List<String> lines = journal("t7");
        String decoded = new com.fasterxml.jackson.databind.ObjectMapper().readTree(lines.get(lines.size() - 1)).get("reason").asText();
        assertThat(decoded.codePoints().noneMatch(dev.steward.api.ControlChars::acts)).as("the reason as read: %s", decoded).isTrue();

        Supervisor out = failing("t8", "echo starting; echo 'port 80: permission denied'; exit 1");
        awaitDone(out);
        assertThat(String.join("\n", journal("t8"))).contains("exited with code 1 (stdout: port 80: permission denied)");
    }

    private Supervisor failing(String id, String script) throws Exception {
        Path dir = Files.createDirectories(data.resolve("tasks").resolve(id));
        TaskSpec spec = new TaskSpec(id, "sh", List.of("-c", script), Map.of(), null, null, new dev.steward.api.RestartPolicy(0, "30m", "1s", "fail", false),
                "1s", null, null);
        TaskInfo t = new TaskInfo(id, "alloc", "agent", "role", spec, Map.of(), null, false, TaskState.PENDING, null, null, null, null, 0, 0,
                Instant.EPOCH, null, null, 1, 1);
        return new Supervisor(t, dir, launcher, new NoCgroups(), reporter, probes, null, Instant.EPOCH).launchOn(r -> held.add(r), wakes::incrementAndGet);
    }

    private Supervisor withVariable(String id, String value, String script) throws Exception {
        Path dir = Files.createDirectories(data.resolve("tasks").resolve(id));
        TaskSpec spec = new TaskSpec(id, "sh", List.of("-c", script), Map.of("V", value), null, null, null, "1s", null, null);
        TaskInfo t = new TaskInfo(id, "alloc", "agent", "role", spec, Map.of(), null, false, TaskState.PENDING, null, null, null, null, 0, 0,
                Instant.EPOCH, null, null, 1, 1);
        return new Supervisor(t, dir, launcher, new NoCgroups(), reporter, probes, null, Instant.EPOCH).launchOn(r -> held.add(r), wakes::incrementAndGet);
    }

    private void awaitDone(Supervisor s) {
        s.tick(Instant.EPOCH);
        runHeld();
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> {
            s.tick(Instant.now());
            return s.done();
        });
    }
}
