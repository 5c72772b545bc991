package dev.steward.allocator.engine;

import dev.steward.allocator.state.ClusterState;
import dev.steward.allocator.state.Changes;
import dev.steward.allocator.store.Store;
import dev.steward.allocator.store.Store.Batch;
import dev.steward.allocator.store.Store.Table;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Owns the cluster state on one thread. {@link #command} changes it durably; {@link #read}
 * sees it between commands; {@link #awaitIndex} waits for the index to pass a value.
 * If the store cannot write, the engine stops taking commands (fail-stop): memory would
 * otherwise run ahead of disk.
 */
public final class Engine implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Engine.class.getName());
    private final ClusterState state;
    private final Store store;
    private final Clock clock;
    private final java.util.concurrent.ScheduledThreadPoolExecutor owner;
    /**
     * Commands waiting for the owner thread. The owner takes them in batches of at most
     * {@link #BATCH}, applies each in order and makes the batch durable with one write (group
     * commit): concurrent commands share one fsync instead of queueing behind one another's.
     */
    private final java.util.concurrent.ConcurrentLinkedQueue<Pending<?>> pending = new java.util.concurrent.ConcurrentLinkedQueue<>();
    /** Agents' commands (joins, task reports): each batch takes them before any other, so agents come first. */
    private final java.util.concurrent.ConcurrentLinkedQueue<Pending<?>> urgent = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final java.util.concurrent.atomic.AtomicBoolean drainQueued = new java.util.concurrent.atomic.AtomicBoolean();
    /** The most commands one durable write carries: bounds the latency a batch adds to its first command. */
    static final int BATCH = 256;
    /**
     * Where the futures the engine hands out complete, and so where every stage a caller chained
     * on them runs: encoding a reply, writing a socket. Never the owner thread, which only
     * decides. Its queue is bounded by what is in flight: one entry per request being answered.
     */
    private final java.util.concurrent.ExecutorService replies;
    /**
     * Where clients' reads complete ({@link #clientRead}): a list of 10,000 agents takes tens of
     * milliseconds to encode, and a client that asks for many at once must not queue every
     * command's and agent's answer behind them. Two threads: the machine's cores are shared, but
     * a small answer on the other pool is never behind a large one in a queue.
     */
    private final java.util.concurrent.ExecutorService clientReplies;
    /** The blocking queries parked until the state changes (owner thread only). */
    private final ParkedQueries parked;
    /** The follow-up cycle for requests whose regex constraints were cut short. */
    private final FollowUp followUp;
    private volatile Thread ownerThread;
    /** Set when the close begins: from then on no query parks (see {@link #close}). */
    private volatile boolean closing;
    private volatile Throwable failed;
    private volatile long index;
    /** Nanoseconds the owner thread spent on commands, reads and ticks: its busy time, for the benchmarks and metrics. */
    private final java.util.concurrent.atomic.AtomicLong busyNanos = new java.util.concurrent.atomic.AtomicLong();

    private volatile EngineObserver observer = EngineObserver.NONE;
    /** Told when the store fails, in place of the log; null: the engine logs it. */
    private volatile java.util.function.Consumer<Throwable> onFailure;

    /** A command waiting for its batch, and the future its result completes. */
    private record Pending<T>(Command<T> command, CompletableFuture<T> future) {
    }

    /** A command: changes the state at {@code now} and returns a result. */
    @FunctionalInterface
    public interface Command<T> extends BiFunction<ClusterState, Instant, T> {
    }

    public Engine(ClusterState state, Store store, Clock clock) {
        this.state = state;
        this.store = store;
        this.clock = clock;
        this.owner = new java.util.concurrent.ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "steward-state");
            t.setDaemon(true);
            ownerThread = t;
            return t;
        });
        this.owner.setRemoveOnCancelPolicy(true); // a parked query woken early takes its timer out of the queue at once
        // at close, timers still due (parked queries' waits, up to minutes) are dropped: by default they would hold the
        // owner thread open until they fire, and close waited 5 s for it on every stop of an allocator with agents
        this.owner.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.replies = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "steward-reply");
            t.setDaemon(true);
            return t;
        });
        this.clientReplies = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors() / 2), r -> {
            Thread t = new Thread(r, "steward-client-reply");
            t.setDaemon(true);
            return t;
        });
        this.index = state.index();
        this.parked = new ParkedQueries(state, this::hand);
        this.followUp = new FollowUp(owner, () -> command(this::resumeCut));
    }

    /**
     * Starts the ticker that expires leases and loses silent agents every {@code interval}. When
     * the owner thread stalled or the wall clock jumped by more than {@code stallAfter} since the
     * previous tick ({@link TickGap}), every agent gets a fresh grace before the tick may lose
     * any, so the allocator never blames agents for its own outage.
     */
    public void startTicker(Duration interval, Duration stallAfter) {
        TickGap gaps = new TickGap(interval, stallAfter, System.nanoTime(), clock.instant());
        owner.scheduleWithFixedDelay(() -> {
            if (failed != null) {
                return; // said once, when it failed: not again at every tick
            }
            try {
                long t = System.nanoTime(); // the engine's own responsiveness: real time, not the injected clock
                TickGap.Found gap = gaps.tick(t, clock.instant());
                if (gap != null) {
                    LOG.warning(gap.warning());
                    apply((s, now) -> {
                        s.freshGraces(now, gap.when());
                        return null;
                    });
                }
                apply(TICK);
                busyNanos.addAndGet(System.nanoTime() - t);
            } catch (RuntimeException e) {
                LOG.log(Level.SEVERE, "tick failed", e);
            }
        }, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** One tick, as the ticker runs it; completes once its changes are durable. */
    public CompletableFuture<Void> tick() {
        return command(TICK);
    }

    /** The follow-up cycle's command: takes back the requests whose regex constraints were cut short, for the cycle after it. */
    private Void resumeCut(ClusterState s, Instant now) {
        followUp.ran();
        observer.followUp();
        s.resumeRegexCut();
        return null;
    }

    private static final Command<Void> TICK = (s, now) -> {
        s.tick(now);
        return null;
    };

    /**
     * Runs a command on the owner thread, then the scheduler; completes once the changes are
     * durable. Commands that arrive together are applied in arrival order and written together.
     */
    public <T> CompletableFuture<T> command(Command<T> c) {
        return enqueue(pending, c);
    }

    /** As {@link #command}, ahead of every other waiting command: for agents' traffic, which must never wait behind clients'. */
    public <T> CompletableFuture<T> commandFirst(Command<T> c) {
        return enqueue(urgent, c);
    }

    private <T> CompletableFuture<T> enqueue(java.util.Queue<Pending<?>> queue, Command<T> c) {
        CompletableFuture<T> f = new CompletableFuture<>();
        if (failed != null) {
            f.completeExceptionally(new EngineFailed(failed));
            return f;
        }
        queue.add(new Pending<>(c, f));
        if (drainQueued.compareAndSet(false, true)) {
            try {
                owner.execute(this::drain);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                drainQueued.set(false);
                failAll(new EngineClosed());
            }
        }
        return f;
    }

    /**
     * On the owner thread: applies up to {@link #BATCH} waiting commands, schedules and
     * reconciles once for all of them, writes their changes in one batch, and only then completes
     * their futures. A command that throws fails alone (what it changed before throwing is
     * written, as it would be on its own, and logged as the defect it is: commands check before
     * they change, which {@code RejectionsChangeNothingTest} holds them to through the API); a
     * failed write fails the whole batch, none of which is acknowledged.
     */
    private void drain() {
        drainQueued.set(false); // commands that arrive from here on queue the next drain
        List<Pending<?>> batch = new ArrayList<>();
        for (Pending<?> p; batch.size() < BATCH && ((p = urgent.poll()) != null || (p = pending.poll()) != null); ) {
            batch.add(p);
        }
        if (batch.isEmpty()) {
            return;
        }
        if ((!urgent.isEmpty() || !pending.isEmpty()) && drainQueued.compareAndSet(false, true)) {
            try {
                owner.execute(this::drain); // more than a batch waited: the rest goes next, after reads queued meanwhile
            } catch (java.util.concurrent.RejectedExecutionException closing) {
                failAll(new EngineClosed());
            }
        }
        long t0 = System.nanoTime();
        Object[] results = new Object[batch.size()];
        Throwable[] errors = new Throwable[batch.size()];
        Throwable writeFailed = null;
        try {
            checkOwner();
            if (failed != null) {
                throw new EngineFailed(failed);
            }
            Instant now = clock.instant();
            try {
                for (int i = 0; i < batch.size(); i++) {
                    int marked = state.changes().size() + state.removed().size();
                    try {
                        results[i] = batch.get(i).command().apply(state, now);
                    } catch (RuntimeException | Error e) {
                        errors[i] = e;
                        if (state.changes().size() + state.removed().size() > marked) {
                            LOG.log(Level.SEVERE, "a command changed the state and then failed: what it changed is kept and written, though its "
                                    + "caller is told it failed (a command must check everything before it changes anything)", e);
                        }
                    }
                }
                settle(now, false);
            } finally {
                persist();
            }
        } catch (Throwable t) {
            writeFailed = t;
        }
        busyNanos.addAndGet(System.nanoTime() - t0);
        for (int i = 0; i < batch.size(); i++) {
            complete(batch.get(i), writeFailed != null ? writeFailed : errors[i], results[i]);
        }
    }

    @SuppressWarnings("unchecked")
    private <T> void complete(Pending<T> p, Throwable error, Object result) {
        if (error != null) {
            hand(() -> p.future().completeExceptionally(error));
        } else {
            hand(() -> p.future().complete((T) result));
        }
    }

    private void failAll(Throwable t) {
        for (Pending<?> p; (p = urgent.poll()) != null || (p = pending.poll()) != null; ) {
            p.future().completeExceptionally(t);
        }
    }

    /** Runs a read on the owner thread, between commands. */
    public <T> CompletableFuture<T> read(Function<ClusterState, T> q) {
        return onOwner(() -> q.apply(state), replies);
    }

    /**
     * A client's read: as {@link #read}, but it completes (and what the caller chained on it,
     * encoding and writing the answer, runs) on threads of its own, so that clients' large reads
     * never hold up the answers to commands and agents.
     */
    public <T> CompletableFuture<T> clientRead(Function<ClusterState, T> q) {
        return onOwner(() -> q.apply(state), clientReplies);
    }

    /** Every acknowledged change as stored, read from the store (not on the owner thread): a snapshot. */
    public dev.steward.allocator.store.Store.Dump dump() {
        return store.dump();
    }

    /** Tells {@code o} about every scheduling cycle and durable write from now on. */
    public void observe(EngineObserver o) {
        observer = o == null ? EngineObserver.NONE : o;
    }

    /** Commands waiting for the owner thread (counted: called by a scrape, not per command). */
    public int queued() {
        return urgent.size() + pending.size();
    }

    /** Blocking queries parked now, waiting for a change or their time (agents' watches, clients' waits). */
    public int parkedQueries() {
        return parked.count();
    }

    /** Nanoseconds the owner thread has been busy since the engine started. */
    public long busyNanos() {
        return busyNanos.get();
    }

    /** The index of the last durable change. */
    public long index() {
        return index;
    }

    /**
     * Completes with the index once it is greater than {@code after}, or with the current
     * index when {@code wait} has passed: a blocking query's wait.
     */
    public CompletableFuture<Long> awaitIndex(long after, Duration wait) {
        if (index > after) {
            return CompletableFuture.completedFuture(index);
        }
        return awaitIndex(null, after, wait);
    }

    /**
     * Completes with {@code of}'s value once it is greater than {@code after}, or with its
     * current value when {@code wait} has passed: a blocking query on part of the state (an
     * agent's tasks, one deployment), which changes elsewhere do not wake. {@code of} runs on the
     * owner thread and must be cheap: it runs for every parked query at every change.
     */
    public CompletableFuture<Long> awaitIndex(java.util.function.ToLongFunction<ClusterState> of, long after, Duration wait) {
        return awaitIndex(null, of, after, wait);
    }

    /**
     * As {@link #awaitIndex(java.util.function.ToLongFunction, long, Duration)}, parked under
     * {@code key}: a change wakes it only when the state names the key among those it touched
     * ({@link ClusterState#touchedKeys}), so a change costs the queries it concerns, not every
     * parked one (10,000 agents each park a query on their own tasks). Cancelling the future
     * (its client has gone) takes the query out of the parked ones at once.
     */
    public CompletableFuture<Long> awaitIndex(String key, java.util.function.ToLongFunction<ClusterState> of, long after, Duration wait) {
        CompletableFuture<Long> f = new CompletableFuture<>();
        try {
            owner.execute(() -> {
                if (closing) { // parked after the close's sweep, it would never be answered
                    hand(() -> f.completeExceptionally(new EngineClosed()));
                    return;
                }
                Runnable expire = parked.park(key, of, after, clock.instant().plus(wait), f);
                if (expire != null) {
                    java.util.concurrent.ScheduledFuture<?> timeout = owner.schedule(expire, wait.toMillis(), TimeUnit.MILLISECONDS);
                    f.whenComplete((x, e) -> {
                        timeout.cancel(false); // woken early: the timer goes, so parked queries leave nothing behind
                        if (f.isCancelled()) { // its client has gone: it leaves the parked queries now, not at its time
                            try {
                                owner.execute(expire);
                            } catch (java.util.concurrent.RejectedExecutionException closed) {
                                // closed: the close's sweep took every parked query
                            }
                        }
                    });
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            f.completeExceptionally(new EngineClosed());
        }
        return f;
    }

    private <T> CompletableFuture<T> onOwner(java.util.function.Supplier<T> work, java.util.concurrent.Executor completeOn) {
        CompletableFuture<T> f = new CompletableFuture<>();
        if (failed != null) {
            f.completeExceptionally(new EngineFailed(failed));
            return f;
        }
        try {
            owner.execute(() -> {
                T value;
                long t0 = System.nanoTime();
                try {
                    value = work.get();
                } catch (Throwable t) {
                    busyNanos.addAndGet(System.nanoTime() - t0);
                    hand(completeOn, () -> f.completeExceptionally(t));
                    return;
                }
                busyNanos.addAndGet(System.nanoTime() - t0);
                hand(completeOn, () -> f.complete(value));
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            f.completeExceptionally(new EngineClosed());
        }
        return f;
    }

    /** Completes a future off the owner thread, so what a caller chained on it never runs there. */
    private void hand(Runnable completion) {
        hand(replies, completion);
    }

    private static void hand(java.util.concurrent.Executor on, Runnable completion) {
        try {
            on.execute(completion);
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            completion.run(); // shutting down: nothing is served any more
        }
    }

    private <T> T apply(Command<T> c) {
        return apply(c, c == TICK);
    }

    /** Applies a command; {@code everyService}: reconcile every service (the ticker: time moved), else only those the changes touch. */
    private <T> T apply(Command<T> c, boolean everyService) {
        checkOwner();
        if (failed != null) {
            throw new EngineFailed(failed);
        }
        Instant now = clock.instant();
        try {
            T result = c.apply(state, now);
            settle(now, everyService);
            return result;
        } finally {
            persist();
        }
    }

    private void checkOwner() {
        if (Thread.currentThread() != ownerThread) { // a real check, not an assert: state touched off its owner is a bug to stop at once
            throw new IllegalStateException("the cluster state was touched off its owner thread, by " + Thread.currentThread().getName());
        }
    }

    /** Placements may start instances, and instances may ask for placements: a few rounds settle both. */
    private void settle(Instant now, boolean everyService) {
        boolean wanted = state.takeCycleWanted();
        long cycles = 0;
        for (int round = 0; round < 4; round++) {
            if (!state.changes().isEmpty() || !state.removed().isEmpty() || round == 0 && wanted) {
                long t = System.nanoTime();
                int placed = state.schedule(now); // nothing changed, nothing new can be placed: idle heartbeats and ticks cost no cycle
                long took = System.nanoTime() - t;
                cycles += took;
                observer.cycle(took, placed);
            }
            if (!(everyService ? state.services().reconcile(now) : state.services().reconcile(now, state.changes()))) {
                break;
            }
        }
        followUp.after(state.regexCutPending(), cycles);
    }

    private void persist() {
        Changes ch = state.changes();
        if (ch.isEmpty() && state.removed().isEmpty()) {
            return;
        }
        Map<Table, Map<String, Object>> puts = ChangedRows.of(state);
        long t = System.nanoTime();
        try {
            store.write(new Batch(state.nextIndex(), state.sequence(), puts, ChangedRows.removals(state, puts)));
            observer.write(System.nanoTime() - t, true);
        } catch (RuntimeException e) {
            observer.write(System.nanoTime() - t, false);
            failed = e;
            java.util.function.Consumer<Throwable> told = onFailure;
            if (told == null) {
                LOG.log(Level.SEVERE, "the state store failed; refusing further commands", e);
            } else {
                hand(() -> told.accept(e));
            }
            throw new EngineFailed(e);
        }
        java.util.Set<String> keys = state.touchedKeys();
        state.commit();
        index = state.index();
        parked.wake(keys, clock.instant());
    }

    /**
     * Writes through the store now, whether anything changed or not (the index as it is): proof
     * that the store takes writes, which a lone allocator opening its state again after a failed
     * store needs before it serves, since opening alone may write nothing. Fails the engine as a
     * failed command's write does.
     */
    public CompletableFuture<Void> writeThrough() {
        return onOwner(() -> {
            try {
                store.write(new Batch(state.index(), state.sequence(), Map.of(), java.util.Set.of()));
            } catch (RuntimeException e) {
                failed = e;
                throw new EngineFailed(e);
            }
            return null;
        }, replies);
    }

    /**
     * Tells {@code listener}, once and off the owner thread, that the store failed and the engine
     * takes no more commands: a lone allocator then opens its state again ({@code Recovery}). The
     * listener tells of it instead of the engine's log.
     */
    public void onFailure(java.util.function.Consumer<Throwable> listener) {
        onFailure = listener;
    }

    /** True once the store has failed; the server then answers 503. */
    public boolean failed() {
        return failed != null;
    }

    /**
     * Stops the engine: what is queued and every parked query ends with {@link EngineClosed} (a 503 to
     * try again), so that nothing waits on an engine that will not answer, as when a leader steps
     * down and its HTTP server goes on serving as a follower.
     */
    @Override
    public void close() {
        closing = true;
        try {
            owner.execute(() -> parked.failAll(new EngineClosed())); // behind whatever the owner has begun; parked queries are its alone
        } catch (java.util.concurrent.RejectedExecutionException alreadyClosed) {
            // closed before: nothing is parked any more
        }
        replies.shutdown();
        clientReplies.shutdown();
        owner.shutdown();
        try {
            if (!owner.awaitTermination(5, TimeUnit.SECONDS)) {
                owner.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        failAll(new EngineClosed());
        store.close();
    }
}
