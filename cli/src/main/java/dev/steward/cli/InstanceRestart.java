package dev.steward.cli;

import dev.steward.api.InstanceInfo;
import dev.steward.api.InstanceState;
import dev.steward.client.Indexed;
import dev.steward.client.StewardClient;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code steward restart APP --env ENV --instance N}, followed: the allocator starts a fresh
 * instance of its revision in its place (its {@code movedFrom} names the old one) and stops the old
 * one once the fresh one is available. Each step is said once, from blocking queries of the
 * service's instances; it ends when the old one has ended (0 when a fresh one runs healthy in its
 * place, 1 otherwise) or at the deadline (1). With {@code --output json} the steps go to stderr and
 * stdout gets one document at the end: {@link Outcome}.
 */
final class InstanceRestart {
    private final StewardClient c;
    private final String app;
    private final String env;
    private final PrintStream out;
    private final boolean json;
    private final Set<String> said = new HashSet<>();

    /**
     * How a restart followed ended, for {@code --output json}: whether a fresh instance runs
     * healthy in the old one's place, the old instance as last seen (null once gone), and the fresh
     * one (null if none was started, or none runs).
     */
    record Outcome(boolean restarted, InstanceInfo instance, InstanceInfo replacement) {
    }

    /** {@code json}: the steps go to {@code out} (stderr, then) and the {@link Outcome} to stdout. */
    InstanceRestart(StewardClient c, String app, String env, PrintStream out, boolean json) {
        this.c = c;
        this.app = app;
        this.env = env;
        this.out = out;
        this.json = json;
    }

    /** Follows the restart of instance {@code id} until it is done or {@code timeout} passes; the exit code. */
    int follow(String id, Duration timeout, Clock clock) throws IOException {
        Instant deadline = clock.instant().plus(timeout);
        long index = 0;
        InstanceInfo old = null;
        InstanceInfo fresh = null;
        while (true) {
            Duration left = Duration.between(clock.instant(), deadline);
            if (left.isNegative() || left.isZero()) {
                out.println("steward: the restart of instance " + id + " is not done after " + dev.steward.api.Units.format(timeout) + ": "
                        + describe(old) + (fresh == null ? "; no fresh instance yet" : "; fresh instance " + fresh.id() + " " + describe(fresh))
                        + " (it goes on; follow it with 'steward services " + app + " --env " + env + "')");
                return end(false, old, fresh);
            }
            Indexed<List<InstanceInfo>> got = c.deployments().instances(app, env, index, left.compareTo(Duration.ofSeconds(30)) > 0 ? Duration.ofSeconds(30) : left);
            index = got.index();
            old = null;
            fresh = null;
            for (InstanceInfo i : got.value()) {
                if (i.id().equals(id)) {
                    old = i;
                } else if (id.equals(i.movedFrom()) && !i.state().terminal()) {
                    fresh = i;
                } else if (id.equals(i.movedFrom()) && once("ended " + i.id())) {
                    out.println(line("fresh instance " + i.id() + " " + describe(i) + "; another is started"));
                }
            }
            if (old == null) {
                out.println("steward: instance " + id + " of " + app + "/" + env + " is gone");
                return end(false, null, fresh);
            }
            if (fresh != null && once("started " + fresh.id())) {
                out.println(line("starting fresh instance " + fresh.id() + " in place of " + id));
            }
            if (fresh != null && fresh.state() == InstanceState.HEALTHY && once("healthy " + fresh.id())) {
                out.println(line("instance " + fresh.id() + " is available" + (fresh.host() == null ? "" : " at " + fresh.where())));
            }
            if (old.state().terminal()) {
                boolean ok = fresh != null && fresh.state() == InstanceState.HEALTHY;
                out.println(line("instance " + id + " " + describe(old)));
                out.println(ok ? "restarted instance " + id + " of " + app + "/" + env + ": " + fresh.id() + " runs in its place"
                        : "instance " + id + " of " + app + "/" + env + " ended, and no fresh instance runs healthy in its place yet");
                return end(ok, old, fresh);
            }
        }
    }

    /** The exit code (0: restarted), and with --output json the outcome on stdout. */
    private int end(boolean restarted, InstanceInfo old, InstanceInfo fresh) throws IOException {
        if (json) {
            Output.json(new Outcome(restarted, old, fresh));
        }
        return restarted ? 0 : 1;
    }

    private boolean once(String key) {
        return said.add(key);
    }

    private static String line(String text) {
        return java.time.LocalTime.now().withNano(0) + "  " + text;
    }

    private static String describe(InstanceInfo i) {
        if (i == null) {
            return "gone";
        }
        return i.state().name().toLowerCase(java.util.Locale.ROOT) + (i.reason() == null ? "" : ": " + i.reason());
    }
}
