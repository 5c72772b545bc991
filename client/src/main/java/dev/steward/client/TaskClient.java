package dev.steward.client;

import dev.steward.api.ExecRequest;
import dev.steward.api.ExecResult;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Commands run once in running tasks ({@code POST /v1/tasks/ID/exec}): as the task runs, with its
 * exit code and output for an answer. Never retried once sent: after a 502 or 504 the command may
 * have run.
 */
public final class TaskClient {
    private final StewardClient c;

    TaskClient(StewardClient c) {
        this.c = c;
    }

    /** Runs {@code command} in task {@code taskId} and waits for its answer; {@code timeout} (null: 30 s, at most 5 min) ends it. */
    public ExecResult exec(String taskId, List<String> command, Duration timeout) throws IOException {
        ExecRequest req = request(command, timeout);
        Duration runs = req.check();
        // the allocator answers within the command's timeout and 10 s (504 past that): a little more here, not the default read timeout
        OkHttpClient h = c.http().newBuilder().readTimeout(runs.plusSeconds(30)).build();
        Request r = new Request.Builder().url(c.url(Paths.v1("tasks", taskId, "exec")))
                .post(RequestBody.create(StewardClient.JSON.writeValueAsBytes(req), StewardClient.MEDIA)).build();
        try (Response resp = h.newCall(r).execute()) {
            String text = resp.body() == null ? "" : resp.body().string();
            StewardClient.check(resp, text);
            return StewardClient.JSON.readValue(text, ExecResult.class);
        }
    }

    /**
     * {@link #exec} without a waiting thread, for the Pipeline steps: the answer is read by the
     * JDK client's selector when the allocator gives it. Cancelling the future closes the
     * connection, and the allocator has the agent kill the command then.
     */
    public CompletableFuture<ExecResult> execAsync(String taskId, List<String> command, Duration timeout) {
        ExecRequest req = request(command, timeout);
        Duration runs = req.check();
        byte[] body;
        try {
            body = StewardClient.JSON.writeValueAsBytes(req);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        CompletableFuture<ExecResult> result = new CompletableFuture<>();
        AtomicReference<CompletableFuture<?>> exchange = new AtomicReference<>();
        c.async().<ExecResult>post(c.url(Paths.v1("tasks", taskId, "exec")), body, runs.plusSeconds(30), StewardClient.JSON.constructType(ExecResult.class),
                sent -> {
                    exchange.set(sent);
                    if (result.isCancelled()) {
                        sent.cancel(true);
                    }
                }).whenComplete((r, err) -> {
                    if (err != null) {
                        result.completeExceptionally(err);
                    } else {
                        result.complete(r);
                    }
                });
        result.whenComplete((r, err) -> {
            CompletableFuture<?> x = exchange.get();
            if (result.isCancelled() && x != null) {
                x.cancel(true);
            }
        });
        return result;
    }

    private static ExecRequest request(List<String> command, Duration timeout) {
        return new ExecRequest(command, timeout == null ? null : timeout.toMillis() + "ms");
    }
}
