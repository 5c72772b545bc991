package dev.steward.steps;

import dev.steward.api.AllocateRequest;
import dev.steward.api.AllocationInfo;
import dev.steward.api.RequestInfo;
import dev.steward.api.RequestState;
import dev.steward.api.Units;
import dev.steward.client.StewardClient;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The {@code allocate} step: submit a request (or re-attach to one by its saved id after a
 * controller restart), wait for placement saying why while pending, give the body its
 * {@code STEWARD_*} environment, renew the lease while the body runs, and release exactly once
 * however it ends. Only the request id needs saving; everything else is read back.
 */
public final class AllocateSession {
    private final StewardClient client;
    private final String requestId;
    private final StepListener listener;
    private volatile String status = "submitted";
    private volatile String lastWhy;
    private volatile String waitLabel;
    private List<AllocationInfo> allocations = List.of();
    private RequestInfo placed;
    private ScheduledFuture<?> renewing;
    private boolean released;
    /** The allocations last seen LEAVING (their agent drains), so the log says it once each way. */
    private final java.util.Set<String> leaving = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private StewardClient releaser;
    private PendingReleases pending;
    /** The allocations seen ended under the body (lost, preempted, expired, released elsewhere): no longer renewed. */
    private final java.util.Set<String> ended = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** The watches of {@link #watchEnds}, cancelled at the release. */
    private final List<java.util.concurrent.CompletableFuture<AllocationInfo>> watches = new ArrayList<>();
    /** Told of the first allocation that ends under the body (null: no one watches). */
    private volatile java.util.function.Consumer<AllocationInfo> onEnded;
    private ScheduledExecutorService timer;

    private AllocateSession(StewardClient client, String requestId, StepListener listener) {
        this.client = client;
        this.requestId = requestId;
        this.listener = listener;
    }

    /** Submits {@code req}; bad input is a {@code ValidationException} naming the field, before anything is asked for. */
    public static AllocateSession start(StewardClient client, AllocateRequest req, StepListener listener) throws IOException {
        req.parseNew();
        RequestInfo r = client.submit(req);
        listener.line("steward: requested " + describe(req) + " as " + r.id());
        return new AllocateSession(client, r.id(), listener);
    }

    /** Re-attaches to a request submitted before a restart. */
    public static AllocateSession resume(StewardClient client, String requestId, StepListener listener) {
        listener.line("steward: re-attached to request " + requestId);
        return new AllocateSession(client, requestId, listener);
    }

    /** Releases through {@code c} (e.g. one whose calls give up quickly, for an interrupt), not the waiting client. */
    public AllocateSession releasingWith(StewardClient c) {
        this.releaser = c;
        return this;
    }

    /** Where a release that fails is remembered, for a sweep to retry (see {@link PendingReleases}). */
    public AllocateSession retryingFailedReleaseIn(PendingReleases p) {
        this.pending = p;
        return this;
    }

    public String requestId() {
        return requestId;
    }

    /** What a running step shows: pending and why, or where it runs. */
    public String status() {
        return status;
    }

    /** Waits until placed (true) or {@code max} passes (false): {@link #awaitPlacementAsync} for a caller that may block, such as the CLI. */
    public boolean awaitPlacement(Duration max) throws IOException {
        java.time.Clock clock = java.time.Clock.systemUTC();
        java.util.concurrent.CompletableFuture<RequestInfo> f = awaitPlacementAsync(clock.instant().plus(max), clock);
        waitLabel = "within " + Units.format(max);
        return placed(StewardClient.join(f));
    }

    /**
     * Waits for placement without holding a thread, until {@code deadline} (an absolute time: saved
     * by a step, a wait resumed after a restart ends when the first would have). Completes with the
     * request once it has left PENDING, or null when the deadline passed first; each new reason for
     * pending goes to the log and the status meanwhile. Pass the value to {@link #placed}.
     */
    public java.util.concurrent.CompletableFuture<RequestInfo> awaitPlacementAsync(java.time.Instant deadline, java.time.Clock clock) {
        waitLabel = "by " + deadline.truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        return client.watchAsync(dev.steward.client.Paths.v1("requests", requestId), RequestInfo.class, deadline, clock,
                x -> x.state() != RequestState.PENDING, x -> {
                    if (x.state() != RequestState.PENDING) {
                        return;
                    }
                    String why = x.why() == null ? "waiting to be evaluated" : x.why().summary();
                    if (!why.equals(lastWhy)) {
                        lastWhy = why;
                        status = "pending: " + why;
                        listener.status(status);
                        listener.line("steward: pending (" + x.placed() + " placed): " + why);
                    }
                });
    }

    /**
     * What the wait ended with: true when placed (the allocations are read, short calls), false
     * when the deadline passed first (said in the log); a cancelled request is an error.
     */
    public boolean placed(RequestInfo done) throws IOException {
        if (done == null) {
            listener.line("steward: not placed " + waitLabel + ": " + lastWhy);
            return false;
        }
        if (done.state() == RequestState.CANCELLED) {
            throw new IOException("request " + requestId + " was cancelled (released elsewhere, or its holder went away)");
        }
        placed = done;
        List<AllocationInfo> all = new ArrayList<>();
        for (String id : done.allocations()) {
            all.add(client.allocation(id));
        }
        allocations = List.copyOf(all);
        AllocationInfo a = allocations.get(0);
        status = "running on " + a.agentName() + " (" + a.id() + ")" + (allocations.size() > 1 ? " and " + (allocations.size() - 1) + " more" : "");
        listener.status(status);
        if (allocations.size() == 1) {
            listener.line("steward: placed on " + a.agentName() + where(a) + ": allocation " + a.id() + portsOf(a));
        } else {
            listener.line("steward: placed " + allocations.size() + " allocations:");
            for (int i = 0; i < allocations.size(); i++) {
                AllocationInfo x = allocations.get(i);
                listener.line("steward:   " + i + ": " + x.id() + " on " + x.agentName() + where(x) + portsOf(x));
            }
        }
        return true;
    }

    public List<AllocationInfo> allocations() {
        return allocations;
    }

    /**
     * The body's environment. Of the first allocation: STEWARD_ALLOC_ID, STEWARD_AGENT,
     * STEWARD_HOST (where its ports answer), STEWARD_CPUS, STEWARD_MEMORY, STEWARD_PORT_NAME; and
     * STEWARD_REQUEST_ID, STEWARD_ALLOC_IDS. With more than one allocation ({@code count}), each
     * also as STEWARD_ALLOC_i_ID, STEWARD_ALLOC_i_AGENT, STEWARD_ALLOC_i_HOST and
     * STEWARD_ALLOC_i_PORT_NAME (i from 0, in the order of STEWARD_ALLOC_IDS), and STEWARD_HOSTS:
     * a gang of three can find each other.
     */
    public Map<String, String> environment() {
        if (placed == null) {
            throw new IllegalStateException("not placed yet");
        }
        Map<String, String> env = new LinkedHashMap<>();
        AllocationInfo a = allocations.get(0);
        env.put("STEWARD_REQUEST_ID", requestId);
        env.put("STEWARD_ALLOC_ID", a.id());
        env.put("STEWARD_ALLOC_IDS", String.join(",", allocations.stream().map(AllocationInfo::id).toList()));
        env.put("STEWARD_AGENT", a.agentName());
        if (a.host() != null) {
            env.put("STEWARD_HOST", a.host());
        }
        env.put("STEWARD_CPUS", Units.formatCpus(a.resources().cpuMillis()));
        env.put("STEWARD_MEMORY", Units.formatMib(a.resources().memoryMib()));
        a.ports().forEach((n, p) -> env.put("STEWARD_PORT_" + envName(n), p.toString()));
        if (allocations.size() > 1) {
            env.put("STEWARD_HOSTS", String.join(",", allocations.stream().map(x -> x.host() == null ? "" : x.host()).toList()));
            for (int i = 0; i < allocations.size(); i++) {
                AllocationInfo x = allocations.get(i);
                String prefix = "STEWARD_ALLOC_" + i + "_";
                env.put(prefix + "ID", x.id());
                env.put(prefix + "AGENT", x.agentName());
                if (x.host() != null) {
                    env.put(prefix + "HOST", x.host());
                }
                x.ports().forEach((n, p) -> env.put(prefix + "PORT_" + envName(n), p.toString()));
            }
        }
        return env;
    }

    /** A port name as a variable's name: upper case, anything but letters and digits as '_'. */
    private static String envName(String port) {
        return port.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
    }

    private static String where(AllocationInfo a) {
        return a.host() == null ? "" : " (" + a.host() + ")";
    }

    /** {@code , ports {db=21000}}, or nothing for an allocation that asked for none. */
    private static String portsOf(AllocationInfo a) {
        return a.ports() == null || a.ports().isEmpty() ? "" : ", ports " + a.ports();
    }

    /** Renews every allocation every third of its lease, on {@code timer}, until released. */
    public synchronized void startRenewing(ScheduledExecutorService timer) {
        if (renewing != null || allocations.isEmpty()) {
            return;
        }
        long every = Math.max(1000, allocations.get(0).ttlMillis() / 3);
        renewing = timer.scheduleAtFixedRate(this::renewNow, every, every, TimeUnit.MILLISECONDS);
    }

    /**
     * Watches every allocation until the release (a parked query each, no thread held). The first
     * that ends under the body (lost with its agent, preempted, expired, released by someone else)
     * is said in the log and handed to {@code onEnded}, once, on {@code timer}: the caller stops
     * the body, whose work ran on what the allocation held. Before, a lost allocation was renewed
     * in vain ("failed (will retry)") while the body ran on to its end and the step succeeded.
     */
    public synchronized void watchEnds(ScheduledExecutorService timer, java.time.Clock clock, java.util.function.Consumer<AllocationInfo> onEnded) {
        this.timer = timer;
        this.onEnded = onEnded;
        for (AllocationInfo a : allocations) {
            arm(a.id(), clock);
        }
    }

    private synchronized void arm(String id, java.time.Clock clock) {
        if (released) {
            return;
        }
        java.util.concurrent.CompletableFuture<AllocationInfo> w = AllocationWatch.untilEnded(client, id, clock, a -> { });
        watches.removeIf(java.util.concurrent.CompletableFuture::isDone); // a watch renewed after a day leaves the spent one behind
        watches.add(w);
        w.whenComplete((a, err) -> {
            if (released || w.isCancelled()) {
                return;
            }
            if (a != null) {
                timer.execute(() -> ended(a));
            } else { // a day went by, or the allocator could not be reached for the client's retry budget: watch again
                timer.schedule(() -> arm(id, clock), err == null ? 0 : 5, TimeUnit.SECONDS);
            }
        });
    }

    /** An allocation has ended under the body: said once each, and the first is handed to {@link #onEnded}. */
    void ended(AllocationInfo a) {
        boolean first;
        synchronized (this) {
            if (released || !ended.add(a.id())) {
                return;
            }
            first = ended.size() == 1;
        }
        java.util.function.Consumer<AllocationInfo> told = onEnded;
        listener.line("steward: " + AllocationWatch.why(a) + (first && told != null ? "; the body is stopped: what it ran on is gone" : ""));
        if (first && told != null) {
            told.accept(a);
        }
    }

    /** Whether an allocation ended under the body (for the caller's exit code). */
    public boolean anEnded() {
        return !ended.isEmpty();
    }

    /**
     * One renewal of every allocation; a failure is logged and retried next time, unless the
     * allocation has ended (a 409): then it is said once ({@link #ended}) and no longer renewed.
     * An allocation asked to leave (its agent drains) is said so in the log once, with when its
     * lease ends if the drain has a deadline, and again if it may stay after all.
     */
    public void renewNow() {
        for (AllocationInfo a : allocations) {
            if (ended.contains(a.id())) {
                continue;
            }
            try {
                AllocationInfo r = client.renew(a.id(), null);
                if (r != null && r.state() == dev.steward.api.AllocationState.LEAVING && leaving.add(a.id())) {
                    listener.line("steward: allocation " + a.id() + " on agent " + r.agentName() + " is asked to leave: " + r.reason()
                            + "; its lease ends at " + r.expiresAt() + " unless renewed; finish and release it soon");
                } else if (r != null && r.state() == dev.steward.api.AllocationState.ALLOCATED && leaving.remove(a.id())) {
                    listener.line("steward: allocation " + a.id() + " may stay: " + r.reason());
                }
            } catch (IOException e) {
                AllocationInfo now = e instanceof dev.steward.client.StewardException se && se.status() == 409 ? readBack(a.id()) : null;
                if (now != null && now.state().terminal()) {
                    ended(now);
                } else {
                    listener.line("steward: renewing " + a.id() + " failed (will retry): " + e.getMessage());
                }
            }
        }
    }

    /** Releases everything the request holds, once; later calls do nothing. {@code why}: success, failure, abort. */
    public synchronized void release(String why) {
        if (released) {
            return;
        }
        released = true;
        if (renewing != null) {
            renewing.cancel(false);
        }
        watches.forEach(w -> w.cancel(false));
        try {
            (releaser != null ? releaser : client).cancel(requestId);
            listener.line("steward: released request " + requestId + " (" + why + ")");
        } catch (IOException e) {
            String retry = "";
            if (pending != null) {
                try {
                    pending.add(requestId);
                    retry = "it is retried every minute until the allocator confirms; ";
                } catch (IOException x) {
                    retry = "(could not remember it for a retry: " + x.getMessage() + ") ";
                }
            }
            listener.line("steward: WARNING: could not release request " + requestId + ": " + e.getMessage() + "; " + retry
                    + "its allocations end by themselves when their lease runs out");
        }
        status = "released (" + why + ")";
    }

    /** The allocation as the allocator has it now, or null when it cannot be read. */
    private AllocationInfo readBack(String id) {
        try {
            return client.allocation(id);
        } catch (IOException e) {
            return null;
        }
    }

    public boolean released() {
        return released;
    }

    static String describe(AllocateRequest r) {
        StringBuilder s = new StringBuilder();
        s.append(r.count() == null ? 1 : r.count()).append(" x cpus ").append(r.cpus() == null ? AllocateRequest.DEFAULT_CPUS : r.cpus()).append(", memory ")
                .append(r.memory() == null ? AllocateRequest.DEFAULT_MEMORY : r.memory());
        if (r.ports() != null && !r.ports().isEmpty()) {
            s.append(", ports ").append(r.ports());
        }
        return s.toString();
    }
}
