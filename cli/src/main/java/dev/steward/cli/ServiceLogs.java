package dev.steward.cli;

import dev.steward.api.InstanceInfo;
import dev.steward.client.Indexed;
import dev.steward.client.StewardClient;
import dev.steward.steps.Instances;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code steward logs APP --env ENV --all}: the output of every live instance of a service,
 * each line prefixed with the instance's revision and id ({@code [r2 f0ed3d833e744593] ...}), as
 * {@code kubectl logs -l app=web --prefix} does. Lines are whole ({@link PrefixedLines}): two
 * instances' lines never tear each other. With {@code follow}, each instance is followed on a
 * thread of its own (at most {@code maxFollows} at once, as kubectl's {@code --max-log-requests}),
 * and the instances are watched with a blocking query, so those a rollout starts later are
 * followed as they get their task; it ends when the service has no live instance left and every
 * follow has ended, or at Ctrl-C.
 */
final class ServiceLogs {
    private final StewardClient c;
    private final String app;
    private final String env;
    private final String stream;
    private final int maxFollows;
    /** The last this many lines of each instance first (--tail), then what comes; null: from the start. */
    private final Integer tail;
    private final PrintStream out;
    private final PrintStream err;
    /** Tasks followed: never twice. */
    private final Set<String> seen = ConcurrentHashMap.newKeySet();
    /** Instances said to wait for a place among the follows (said once). */
    private final Set<String> warned = ConcurrentHashMap.newKeySet();
    private final AtomicInteger following = new AtomicInteger();
    private final Object finished = new Object();

    ServiceLogs(StewardClient c, String app, String env, String stream, int maxFollows, Integer tail, PrintStream out, PrintStream err) {
        this.c = c;
        this.tail = tail;
        this.app = app;
        this.env = env;
        this.stream = stream;
        this.maxFollows = maxFollows;
        this.out = out;
        this.err = err;
    }

    static String prefix(InstanceInfo i) {
        return "[r" + i.revision() + " " + i.id() + "] ";
    }

    /** Prints what each live instance has written so far (its first chunk, as {@code steward logs} without -f); 0, or 1 if none had a task. */
    int print(List<InstanceInfo> live) throws IOException {
        int printed = 0;
        for (InstanceInfo i : live) {
            if (i.taskId() == null) {
                err.println("(instance " + i.id() + " has no task yet: " + i.state().name().toLowerCase() + ")");
                continue;
            }
            PrefixedLines lines = new PrefixedLines(prefix(i));
            StewardClient.LogChunk chunk = tail != null ? c.tail(i.taskId(), stream, tail) : c.logs(i.taskId(), stream, 0, Duration.ZERO);
            List<String> all = new ArrayList<>(lines.feed(chunk.bytes()));
            String rest = lines.rest();
            if (rest != null) {
                all.add(rest);
            }
            write(all);
            printed++;
        }
        return printed == 0 ? 1 : 0;
    }

    /** Follows every live instance, and those that come, until none is left and every follow has ended (or the process is stopped). */
    int follow() throws IOException, InterruptedException {
        long index = 0;
        boolean waiting = false;
        FollowSilence silence = new FollowSilence(c, null, true); // the allocator's, said once for every follow of the command
        java.util.function.Consumer<String> say = line -> err.println("(service " + app + "/" + env + ": " + line + ")");
        while (true) {
            Indexed<List<InstanceInfo>> got;
            try {
                // an instance waiting for a place among the follows is looked at again soon: a follow that ends changes nothing in the state
                got = c.deployments().instances(app, env, index, waiting ? Duration.ofSeconds(2) : Duration.ofSeconds(30));
            } catch (IOException e) {
                // the allocator not reached past the client's retries, or a 503 (no leader yet): its restart, a slow failover
                if (silence.afterFailure(e, say)) {
                    continue;
                }
                if (!(e instanceof dev.steward.client.StewardException se) || se.status() != 404 || index == 0) {
                    throw e;
                }
                awaitFollows();
                err.println("(service " + app + "/" + env + " was deleted)");
                return 0;
            }
            silence.answered(say);
            index = got.index();
            List<InstanceInfo> live = Instances.live(got.value());
            waiting = false;
            for (InstanceInfo i : live) {
                if (i.taskId() != null && !seen.contains(i.taskId())) {
                    waiting |= !start(i);
                }
            }
            // none live and no rollout under way (a recreate has none live for a moment, then starts the new ones)
            if (live.isEmpty() && c.deployments().service(app, env).deployment() == null) {
                awaitFollows();
                err.println("(service " + app + "/" + env + " has no live instance left)");
                return 0;
            }
        }
    }

    /** Waits for the follows under way to end: the last bytes of the instances that ended are printed before the command ends. */
    private void awaitFollows() throws InterruptedException {
        synchronized (finished) {
            while (following.get() > 0) {
                finished.wait();
            }
        }
    }

    /** Starts following {@code i}; false when {@code maxFollows} are followed already (it is followed once another ends, if it still runs then). */
    private boolean start(InstanceInfo i) {
        if (following.get() >= maxFollows) {
            if (warned.add(i.id())) {
                err.println("(instance " + i.id() + " is not followed yet: --max-follows is " + maxFollows + ")");
            }
            return false;
        }
        seen.add(i.taskId());
        following.incrementAndGet();
        Thread t = new Thread(() -> {
            try {
                followOne(i);
            } finally {
                synchronized (finished) {
                    following.decrementAndGet();
                    finished.notifyAll();
                }
            }
        }, "steward-logs-" + i.id());
        t.setDaemon(true); // Ctrl-C ends the command without waiting for a follow
        t.start();
        return true;
    }

    private void followOne(InstanceInfo i) {
        PrefixedLines lines = new PrefixedLines(prefix(i));
        long offset = 0;
        boolean first = true;
        AwaitStart start = new AwaitStart(c, i.taskId());
        FollowSilence silence = new FollowSilence(c, i.taskId(), false); // the allocator's silences are said once, by the watch of the instances
        java.util.function.Consumer<String> say = line -> err.println("(instance " + i.id() + ": " + line + ")");
        try {
            while (true) {
                StewardClient.LogChunk chunk;
                try {
                    chunk = first && tail != null ? c.tail(i.taskId(), stream, tail) : c.logs(i.taskId(), stream, offset, Duration.ofSeconds(30));
                } catch (IOException e) {
                    // an instance placed but not taken by its agent yet (a 404 from the agent, the task still PENDING): wait for it
                    if (e instanceof dev.steward.client.StewardException se
                            && start.afterRefusal(se, t -> err.println(AwaitStart.waitingLine("instance " + i.id(), t)))) {
                        continue;
                    }
                    // its agent silent while it runs (cut off, or restarting), or the allocator: follow on
                    if (silence.afterFailure(e, say)) {
                        continue;
                    }
                    if (silence.ended() != null) {
                        throw new IOException("it has ended (" + FollowSilence.how(silence.ended()) + "): " + e.getMessage(), e);
                    }
                    throw e;
                }
                silence.answered(say);
                first = false;
                write(lines.feed(chunk.bytes()));
                offset = chunk.next();
                if (chunk.ended() && chunk.bytes().length == 0) {
                    String rest = lines.rest();
                    if (rest != null) {
                        write(List.of(rest));
                    }
                    err.println("(instance " + i.id() + " of revision " + i.revision() + " has ended)");
                    return;
                }
            }
        } catch (IOException | RuntimeException e) {
            String rest = lines.rest();
            if (rest != null) {
                write(List.of(rest));
            }
            err.println("(instance " + i.id() + ": its output can no longer be read: " + e.getMessage() + ")");
        }
    }

    /** Whole lines, together: another instance's lines go before or after them, never between. */
    private void write(List<String> lines) {
        if (lines.isEmpty()) {
            return;
        }
        synchronized (out) {
            for (String l : lines) {
                out.print(l);
            }
            out.flush();
        }
    }
}
