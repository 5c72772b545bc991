package dev.steward.agent;

import dev.steward.api.ExecResult;
import dev.steward.api.TaskInfo;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * Runs a command inside a running task, once ({@code steward exec}): as the task runs, through
 * {@link Launcher#taskCommand}, as its command health checks run (its user, cgroups, mount and IPC namespaces, keyring, umask,
 * environment, its sandbox as the working directory), in a session of its own, with no
 * standard input, until it exits, its timeout ends it or its caller leaves (then its whole
 * process group is killed).
 *
 * <p>Nothing a command does can hold the agent: at most {@link #MAX_AT_ONCE} run at once on the
 * agent and {@link #MAX_PER_TASK} in one task (past that a refusal, 503); its output is read
 * without ever blocking (only the bytes a pipe holds are read, every few milliseconds), so a
 * process it left behind that keeps the pipe open holds nothing once the command has exited; at
 * most {@link ExecResult#MAX_OUTPUT} bytes of each stream are kept, the rest read and dropped.
 */
final class TaskExec {
    private static final Logger LOG = Logger.getLogger(TaskExec.class.getName());
    /** Commands running at once on this agent, across all tasks. */
    static final int MAX_AT_ONCE = 8;
    /** Commands running at once in one task: one tenant's task cannot take every place. */
    static final int MAX_PER_TASK = 2;
    /** How often a running command's pipes are looked at. */
    private static final long POLL_MILLIS = 10;

    /** A running task: its record and directory. */
    record Target(TaskInfo task, Path dir) {
    }

    /** Why a command was not run: the HTTP status to answer with, and the reason. */
    static final class Refused extends RuntimeException {
        final int status;

        Refused(int status, String reason) {
            super(reason);
            this.status = status;
        }
    }

    private final Launcher launcher;
    /** Finds a running task on the agent's loop thread; fails with {@link Refused} when there is none. */
    private final Function<String, CompletableFuture<Target>> find;
    private final Map<String, Integer> running = new ConcurrentHashMap<>();
    private volatile AgentMetrics metrics;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "steward-agent-exec");
        t.setDaemon(true);
        return t;
    });

    TaskExec(Launcher launcher, Function<String, CompletableFuture<Target>> find) {
        this.launcher = launcher;
        this.find = find;
    }

    /** Where commands are counted. */
    TaskExec metrics(AgentMetrics m) {
        this.metrics = m;
        return this;
    }

    private void count(String outcome) {
        AgentMetrics m = metrics;
        if (m != null) {
            m.command(outcome);
        }
    }

    /** Commands running now. */
    int running() {
        return running.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** Runs {@code command} in task {@code taskId}; fails with {@link Refused} when it cannot run. */
    CompletableFuture<ExecResult> run(String taskId, List<String> command, Duration timeout) {
        return run(taskId, command, timeout, new CompletableFuture<>());
    }

    /**
     * As above; when {@code abandoned} completes first (its caller has gone: a build aborted, a
     * {@code steward exec} stopped with Ctrl-C), the command's whole process group is killed
     * then, not at its timeout, and the answer nobody waits for any more is a timed-out one.
     */
    CompletableFuture<ExecResult> run(String taskId, List<String> command, Duration timeout, CompletableFuture<?> abandoned) {
        return find.apply(taskId).thenCompose(target -> {
            take(taskId);
            CompletableFuture<ExecResult> done = new CompletableFuture<>();
            try {
                threads.execute(() -> {
                    try {
                        done.complete(runNow(target, command, timeout, abandoned));
                    } catch (Throwable e) {
                        done.completeExceptionally(e);
                    } finally {
                        give(taskId);
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException e) {
                give(taskId);
                done.completeExceptionally(new Refused(503, "the agent is stopping"));
            }
            return done;
        });
    }

    private void take(String taskId) {
        synchronized (running) {
            int all = running();
            if (all >= MAX_AT_ONCE) {
                count("refused");
                throw new Refused(503, MAX_AT_ONCE + " commands already run on this agent, its limit; try again when one has ended");
            }
            int mine = running.getOrDefault(taskId, 0);
            if (mine >= MAX_PER_TASK) {
                count("refused");
                throw new Refused(503, MAX_PER_TASK + " commands already run in task " + taskId + ", its limit; try again when one has ended");
            }
            running.put(taskId, mine + 1);
        }
    }

    private void give(String taskId) {
        synchronized (running) {
            running.computeIfPresent(taskId, (k, n) -> n <= 1 ? null : n - 1);
        }
    }

    private ExecResult runNow(Target target, List<String> command, Duration timeout, CompletableFuture<?> abandoned) throws IOException,
            InterruptedException {
        ProcessBuilder pb;
        try {
            pb = launcher.taskCommand(target.task(), target.dir(), command, "steward-exec");
        } catch (LaunchFailure e) {
            throw new Refused(409, "cannot run a command in task " + target.task().id() + ": " + e.getMessage());
        } catch (IOException e) {
            throw new Refused(409, "cannot run a command in task " + target.task().id() + ": " + e.getMessage());
        }
        List<String> argv = new ArrayList<>(pb.command());
        argv.add(0, "setsid"); // a process group of its own, killed whole at its timeout (setsid does not fork: the agent's child leads no group)
        pb.command(argv);
        long began = System.nanoTime();
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new Refused(409, "cannot run a command in task " + target.task().id() + ": " + e.getMessage());
        }
        LOG.info("task " + target.task().id() + ": running a command in it (pid " + p.pid() + "): " + command);
        Capture out = new Capture(p.getInputStream());
        Capture err = new Capture(p.getErrorStream());
        long deadline = began + timeout.toNanos();
        boolean timedOut = false;
        boolean left = false;
        try {
            while (true) {
                boolean read = out.drain() | err.drain();
                if (!p.isAlive()) {
                    break;
                }
                left = abandoned.isDone();
                if (left || System.nanoTime() - deadline >= 0) {
                    timedOut = true;
                    killGroup(p);
                    if (!p.waitFor(5, TimeUnit.SECONDS)) {
                        p.destroyForcibly(); // (this closes its pipes: what they held is lost)
                    }
                    break;
                }
                if (!read) {
                    p.waitFor(POLL_MILLIS, TimeUnit.MILLISECONDS); // returns at once when it exits
                }
            }
            out.drain(); // what it wrote before it exited is in the pipes now
            err.drain();
        } finally {
            out.close();
            err.close();
        }
        int code = p.isAlive() ? 137 : p.exitValue();
        long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began);
        count(left ? "abandoned" : timedOut ? "timed_out" : "exited");
        LOG.info("task " + target.task().id() + ": its command (pid " + p.pid() + ") " + (left ? "was killed: its caller left"
                : timedOut ? "ran past its timeout of " + dev.steward.api.Units.format(timeout) + " and was killed" : "exited with code " + code)
                + " after " + elapsed + " ms");
        return new ExecResult(code, out.text(), err.text(), out.cut, err.cut, timedOut, elapsed);
    }

    /** Kills the command's whole process group (its pid leads it: it began with setsid). */
    private static void killGroup(Process p) {
        try {
            Process k = new ProcessBuilder("kill", "-KILL", "--", "-" + p.pid()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            k.waitFor(5, TimeUnit.SECONDS);
        } catch (IOException e) {
            LOG.warning("cannot kill the process group of a command (pid " + p.pid() + "): " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One stream of a command: read only as far as its pipe holds bytes, so a read never blocks; kept up to {@link ExecResult#MAX_OUTPUT}. */
    private static final class Capture {
        private final InputStream in;
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        private final byte[] buf = new byte[16 * 1024];
        boolean cut;

        Capture(InputStream in) {
            this.in = in;
        }

        /** Reads what the pipe holds now; true if anything was read. A pipe closed under it (the process destroyed) holds nothing more. */
        boolean drain() {
            boolean any = false;
            int n;
            while ((n = available()) > 0) {
                int r;
                try {
                    r = in.read(buf, 0, Math.min(n, buf.length));
                } catch (IOException e) {
                    break;
                }
                if (r <= 0) {
                    break;
                }
                any = true;
                int keep = Math.min(r, ExecResult.MAX_OUTPUT - kept.size());
                if (keep > 0) {
                    kept.write(buf, 0, keep);
                }
                if (keep < r) {
                    cut = true;
                }
            }
            return any;
        }

        private int available() {
            try {
                return in.available();
            } catch (IOException e) {
                return 0;
            }
        }

        String text() {
            return kept.toString(StandardCharsets.UTF_8);
        }

        void close() {
            try {
                in.close();
            } catch (IOException e) {
                // the command is over: nothing more is read
            }
        }
    }

    void close() {
        threads.shutdownNow();
    }
}
