package dev.steward.agent;

import dev.steward.api.HealthCheck;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One try of a health check against a task on this machine: null passes, else what failed
 * ("HTTP 500", "connection refused", "no answer within 2s", "exit code 1", "port http 20004 is
 * held by a socket of another user"); and the look at whose sockets hold a task's ports that
 * every check begins with (and ends with, when it passed), and that a task with ports and no check gets alone
 * ({@link #squatted}). A command check runs
 * as {@code command} (the task's user and environment) says. Every try ends by the check's
 * timeout, whatever the task sends: the probe threads are shared by every task on the agent.
 */
final class HealthProbe {
    private HealthProbe() {
    }

    /** How old a read of the host's socket tables a check may use: every task's checks share one read per this. */
    static final java.time.Duration LISTENERS_MAX_AGE = java.time.Duration.ofMillis(500);

    static boolean probe(HealthCheck c, Map<String, Integer> ports, ProcessBuilder command) {
        return failure(c, ports, command, null) == null;
    }

    /**
     * What one try said: {@code failure} null when it passed; {@code squat} when it failed because
     * another user's socket holds one of the task's ports ({@link #squatted}).
     */
    record Tried(String failure, boolean squat) {
        static final Tried PASSED = new Tried(null, false);
    }

    /** {@link #tried}'s failure alone: null when the try passes, else what failed. */
    static String failure(HealthCheck c, Map<String, Integer> ports, ProcessBuilder command, Integer ownUid) {
        return tried(c, ports, command, ownUid).failure();
    }

    /**
     * One try of the check, with what failed in a few words for the task's reason. With {@code
     * ownUid} (the task's own uid), a socket of another uid on one of the task's ports fails it,
     * whatever it would answer ({@link #squatted}). Tasks share the network, so another tenant's
     * task could bind a port lent to this one before this one's program does; its answers must not
     * make this task healthy, which would list the squatter as this service's endpoint. The ports
     * are looked at before the try (a read shared for {@link #LISTENERS_MAX_AGE}: a squatter seen
     * there is not even asked), and again after a try that passed, in a read begun after it: a
     * squatter that bound the port since the shared read answered that try, and is seen there.
     */
    static Tried tried(HealthCheck c, Map<String, Integer> ports, ProcessBuilder command, Integer ownUid) {
        if (ownUid != null) {
            String held = squatted(ports, ownUid);
            if (held != null) {
                return new Tried(held, true);
            }
        }
        String failed = once(c, ports, command);
        if (failed == null && ownUid != null) {
            String held = squatted(ports, ownUid, System.nanoTime());
            if (held != null) {
                return new Tried(held, true);
            }
        }
        return failed == null ? Tried.PASSED : new Tried(failed, false);
    }

    /** One try of the check itself: null when it passes, else what failed. */
    private static String once(HealthCheck c, Map<String, Integer> ports, ProcessBuilder command) {
        int timeout = (int) c.timeoutDuration().toMillis();
        String within = "no answer within " + dev.steward.api.Units.format(c.timeoutDuration());
        try {
            return switch (c.parsedType()) {
                case HTTP -> {
                    String path = c.path() == null ? "/" : c.path();
                    HttpURLConnection h = (HttpURLConnection) URI.create("http://127.0.0.1:" + ports.get(c.port()) + path).toURL().openConnection();
                    h.setConnectTimeout(timeout);
                    h.setReadTimeout(timeout);
                    h.setInstanceFollowRedirects(false);
                    // the read timeout restarts at every byte: a task that sends its answer's head a byte at a time would hold
                    // one of the agent's probe threads, which every task's checks share, for as long as it liked. At the
                    // check's timeout the connection is closed under the read, which then fails.
                    java.util.concurrent.atomic.AtomicBoolean over = new java.util.concurrent.atomic.AtomicBoolean();
                    java.util.concurrent.CompletableFuture.delayedExecutor(timeout, TimeUnit.MILLISECONDS, Runnable::run).execute(() -> {
                        if (over.compareAndSet(false, true)) {
                            h.disconnect();
                        }
                    });
                    try {
                        int code = h.getResponseCode();
                        yield code >= 200 && code < 400 ? null : "HTTP " + code;
                    } catch (IOException e) {
                        yield over.get() || e instanceof java.net.SocketTimeoutException ? within : said(e);
                    } finally {
                        if (over.compareAndSet(false, true)) {
                            h.disconnect();
                        }
                    }
                }
                case TCP -> {
                    try (Socket s = new Socket()) {
                        s.connect(new InetSocketAddress("127.0.0.1", ports.get(c.port())), timeout);
                        yield null;
                    } catch (java.net.SocketTimeoutException e) {
                        yield within;
                    }
                }
                case COMMAND -> {
                    Process p = command.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                    if (!p.waitFor(timeout, TimeUnit.MILLISECONDS)) {
                        p.destroyForcibly();
                        yield "did not finish within " + dev.steward.api.Units.format(c.timeoutDuration());
                    }
                    yield p.exitValue() == 0 ? null : "exit code " + p.exitValue();
                }
            };
        } catch (IOException e) {
            return said(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /**
     * Null when no socket of another uid than {@code ownUid} listens on any of the task's
     * {@code ports}, else which port is held and by whom ("port http 20004 is held by a socket of
     * another user (uid 61003), not this task's (uid 61000)"). Read from the host's socket tables,
     * shared by every task's checks for {@link #LISTENERS_MAX_AGE}.
     */
    static String squatted(Map<String, Integer> ports, int ownUid) {
        return squatted(ports, ownUid, null);
    }

    /** As {@link #squatted(Map, int)}, from a read of the tables begun at or after {@code since} (a {@code System.nanoTime}; null: the shared read). */
    private static String squatted(Map<String, Integer> ports, int ownUid, Long since) {
        for (Map.Entry<String, Integer> p : new java.util.TreeMap<>(ports).entrySet()) {
            if (p.getValue() == null) {
                continue;
            }
            java.util.Set<Integer> others = new java.util.TreeSet<>(since == null ? HostPorts.listeners(p.getValue(), LISTENERS_MAX_AGE)
                    : HostPorts.listenersSince(p.getValue(), since));
            others.remove(ownUid);
            if (!others.isEmpty()) {
                return "port " + p.getKey() + " " + p.getValue() + " is held by a socket of another user (uid " + others.iterator().next()
                        + "), not this task's (uid " + ownUid + ")";
            }
        }
        return null;
    }

    /** An I/O failure in a few words: "connection refused", "connection reset", else the exception's own. */
    private static String said(IOException e) {
        if (e instanceof java.net.ConnectException) {
            return "connection refused";
        }
        String m = e.getMessage();
        if (m == null || m.isBlank()) {
            return e.getClass().getSimpleName();
        }
        String cut = m.length() > 120 ? m.substring(0, 120) : m;
        return Character.toLowerCase(cut.charAt(0)) + cut.substring(1); // "connection reset", as the reasons beside it read
    }
}
