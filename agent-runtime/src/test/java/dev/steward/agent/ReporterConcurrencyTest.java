package dev.steward.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steward.api.TaskState;
import dev.steward.api.TaskStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Reports made from several threads at once (the launcher threads' RUNNING, the loop's the
 * rest): each task's journal holds its reports numbered 1, 2, 3... in the order they were made,
 * whether one thread reports a task or several race on it.
 */
class ReporterConcurrencyTest {
    @TempDir
    Path tasks;

    @Test
    void each_tasks_reports_are_numbered_and_journaled_in_order() throws Exception {
        Reporter reporter = new Reporter(new AllocatorClient("http://127.0.0.1:9", null, null, false, java.time.Duration.ofSeconds(5), java.time.Duration.ofSeconds(1)), "agent", tasks, t -> { }); // never started: nothing sent
        int threads = 8;
        int tasksPerThread = 12;
        int reportsPerTask = 4;
        int raced = 60;
        ExecutorService pool = Executors.newFixedThreadPool(threads + 2);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> runs = new ArrayList<>();
        for (int th = 0; th < threads; th++) {
            int me = th;
            runs.add(pool.submit(() -> {
                go.await();
                for (int r = 0; r < reportsPerTask; r++) {
                    for (int k = 0; k < tasksPerThread; k++) {
                        reporter.report("t" + me + "-" + k, status("r" + r));
                    }
                }
                return null;
            }));
        }
        for (int th = 0; th < 2; th++) { // two threads race on one task
            runs.add(pool.submit(() -> {
                go.await();
                for (int r = 0; r < raced; r++) {
                    reporter.report("shared", status("x"));
                }
                return null;
            }));
        }
        go.countDown();
        for (Future<?> f : runs) {
            f.get();
        }
        pool.shutdown();

        for (int th = 0; th < threads; th++) {
            for (int k = 0; k < tasksPerThread; k++) {
                List<JsonNode> lines = journal("t" + th + "-" + k);
                assertThat(lines).hasSize(reportsPerTask);
                for (int r = 0; r < reportsPerTask; r++) {
                    assertThat(lines.get(r).path("seq").asLong()).isEqualTo(r + 1);
                    assertThat(lines.get(r).path("reason").asText()).as("made in this order").isEqualTo("r" + r);
                }
            }
        }
        List<JsonNode> shared = journal("shared");
        assertThat(shared).hasSize(2 * raced);
        for (int i = 0; i < shared.size(); i++) {
            assertThat(shared.get(i).path("seq").asLong()).as("line " + i + " of the raced task's journal").isEqualTo(i + 1);
        }
        assertThat(reporter.drained()).isFalse();
        reporter.close();
    }

    private static TaskStatus status(String reason) {
        return new TaskStatus(0, TaskState.RUNNING, 1L, null, null, reason, 0, Instant.EPOCH);
    }

    private List<JsonNode> journal(String task) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(tasks.resolve(task).resolve("statuses.jsonl"))) {
            out.add(Agent.JSON.readTree(line));
        }
        return out;
    }
}
