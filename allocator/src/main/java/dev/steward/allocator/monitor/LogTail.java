package dev.steward.allocator.monitor;

import dev.steward.allocator.http.AgentTarget;
import dev.steward.allocator.http.BoundedFetch;
import dev.steward.api.Limits;
import dev.steward.monitor.BoundedRegex;

import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;

/**
 * Counts the lines of one task's stdout and stderr that match a pattern, from the moment the
 * monitor first looked: each call reads the bytes written since the last (through the agent's
 * signed log server), counts matches in complete lines, and carries a partial line over.
 * A poll gives -1 while the logs cannot be read. Each read is bounded in time and size
 * ({@link BoundedFetch}): an agent that is down, slow or answers without end costs one poll its
 * deadline, never the monitor's thread.
 */
final class LogTail {
    private static final String[] STREAMS = {"stdout", "stderr"};
    /** The most chunks one poll reads of a stream: a log growing faster than that is counted over several ticks. */
    private static final int ROUNDS = 8;
    private final String taskId;
    private final Pattern pattern;
    private final long[] offsets = {-1, -1};
    private final String[] carry = {"", ""};
    private long matches;
    /** Why the pattern stopped being run on this log: it cost more than its budget ({@link BoundedRegex}); null while it has not. */
    private volatile String costly;

    LogTail(String taskId, Pattern pattern) {
        this.taskId = taskId;
        this.pattern = pattern;
    }

    /**
     * Reads what both streams gained since the last poll, all of it by {@code deadline}
     * (System.nanoTime): completes with the matches so far, or -1 when the logs could not be
     * read in time (an agent down, slow or answering too much). Never waits on a thread.
     */
    CompletableFuture<Long> poll(HttpClient http, AgentTarget target, long deadline) {
        if (costly != null) {
            return CompletableFuture.completedFuture(-1L);
        }
        BoundedRegex.Budget budget = new BoundedRegex.Budget(); // the pattern's work on what this poll reads, its lines together
        try {
            return stream(http, target, 0, 0, deadline, budget).thenCompose(v -> stream(http, target, 1, 0, deadline, budget))
                    .thenApply(v -> matches).exceptionally(e -> {
                        Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
                        if (cause instanceof BoundedRegex.TooCostly tc) {
                            costly = tc.getMessage();
                        }
                        return -1L;
                    });
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(-1L);
        }
    }

    /** Why the pattern is no longer run on this log (too costly), or null. */
    String costly() {
        return costly;
    }

    /** Reads stream {@code k} from its offset, up to {@link #ROUNDS} chunks, counting matches in its complete lines. */
    private CompletableFuture<Void> stream(HttpClient http, AgentTarget target, int k, int round, long deadline, BoundedRegex.Budget budget) {
        if (offsets[k] < 0) { // first look: start at the end, count only what comes during the monitor
            return read(http, target, STREAMS[k], Long.MAX_VALUE, deadline).thenAccept(c -> offsets[k] = c.next);
        }
        if (round >= ROUNDS) {
            return CompletableFuture.completedFuture(null);
        }
        return read(http, target, STREAMS[k], offsets[k], deadline).thenCompose(c -> {
            offsets[k] = c.next;
            if (c.text.isEmpty()) {
                return CompletableFuture.completedFuture(null);
            }
            String all = carry[k] + c.text;
            int cut = all.lastIndexOf('\n');
            String complete = cut < 0 ? "" : all.substring(0, cut);
            carry[k] = cut < 0 ? all : all.substring(cut + 1);
            if (carry[k].length() > 65536) {
                carry[k] = carry[k].substring(carry[k].length() - 65536);
            }
            for (String line : complete.split("\n")) {
                if (!line.isEmpty() && BoundedRegex.find(pattern, line, "logPattern", budget)) {
                    matches++;
                }
            }
            return stream(http, target, k, round + 1, deadline, budget);
        });
    }

    private record Chunk(String text, long next) {
    }

    private CompletableFuture<Chunk> read(HttpClient http, AgentTarget target, String stream, long offset, long deadline) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            return CompletableFuture.failedFuture(new java.util.concurrent.TimeoutException("no time left this tick"));
        }
        Duration within = Duration.ofNanos(left);
        return BoundedFetch.send(http, target.logRequest(taskId, stream, offset, null, within, System.currentTimeMillis()), Limits.MAX_LOG_CHUNK, within)
                .thenApply(r -> {
                    if (r.statusCode() != 200) {
                        throw new IllegalStateException("the agent answered " + r.statusCode());
                    }
                    Optional<String> next = r.headers().firstValue("X-Steward-Log-Offset");
                    return new Chunk(new String(r.body(), StandardCharsets.UTF_8), next.map(Long::parseLong).orElse(offset + r.body().length));
                });
    }
}
