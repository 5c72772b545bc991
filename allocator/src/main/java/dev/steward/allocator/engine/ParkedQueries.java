package dev.steward.allocator.engine;

import dev.steward.allocator.state.ClusterState;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.ToLongFunction;

/**
 * The blocking queries parked on the engine, on its owner thread only: each waits for the index
 * of what it reads to pass a value. Queries on the whole state are tested at every change;
 * queries parked under a key (an agent's tasks) only when a change names their key, so a change
 * costs the queries it concerns, not every parked one.
 */
final class ParkedQueries {
    /** A parked query: it wakes when {@code of} (the index of what it reads; null: the whole state's) passes {@code after}. */
    private record Waiter(ToLongFunction<ClusterState> of, long after, Instant deadline, CompletableFuture<Long> future) {
        long current(ClusterState s) {
            return of == null ? s.index() : of.applyAsLong(s);
        }
    }

    private final ClusterState state;
    /** Completes a future off the owner thread. */
    private final Consumer<Runnable> hand;
    private final List<Waiter> unkeyed = new ArrayList<>();
    private final Map<String, List<Waiter>> keyed = new HashMap<>();
    /** How many are parked: changed on the owner thread, read by a metrics scrape from any. */
    private final java.util.concurrent.atomic.AtomicInteger count = new java.util.concurrent.atomic.AtomicInteger();

    ParkedQueries(ClusterState state, Consumer<Runnable> hand) {
        this.state = state;
        this.hand = hand;
    }

    /**
     * Answers {@code f} at once if what it reads is already past {@code after}, and returns null;
     * else parks it (under {@code key}, if not null) and returns what ends it at its deadline.
     */
    Runnable park(String key, ToLongFunction<ClusterState> of, long after, Instant deadline, CompletableFuture<Long> f) {
        Waiter w = new Waiter(of, after, deadline, f);
        long now = w.current(state);
        if (now > after) {
            hand.accept(() -> f.complete(now));
            return null;
        }
        List<Waiter> list = key == null ? unkeyed : keyed.computeIfAbsent(key, k -> new ArrayList<>(1));
        list.add(w);
        count.incrementAndGet();
        return () -> {
            if (list.remove(w)) {
                count.decrementAndGet();
                if (list.isEmpty() && key != null) {
                    keyed.remove(key, list);
                }
                long at = w.current(state);
                hand.accept(() -> f.complete(at));
            }
        };
    }

    /** The queries parked now (any thread). */
    int count() {
        return count.get();
    }

    /** At the engine's close: every parked query ends with {@code t} (they would otherwise wait out their time with no one to wake them). */
    void failAll(Throwable t) {
        List<Waiter> all = new ArrayList<>(unkeyed);
        keyed.values().forEach(all::addAll);
        unkeyed.clear();
        keyed.clear();
        count.addAndGet(-all.size());
        for (Waiter w : all) {
            hand.accept(() -> w.future().completeExceptionally(t));
        }
    }

    /** After a change: wakes the queries parked under {@code keys}, and those on the whole state, whose index moved or whose time is up. */
    void wake(Set<String> keys, Instant now) {
        for (String k : keys) {
            List<Waiter> list = keyed.get(k);
            if (list != null) {
                wake(list, now);
                if (list.isEmpty()) {
                    keyed.remove(k);
                }
            }
        }
        wake(unkeyed, now);
    }

    private void wake(List<Waiter> list, Instant now) {
        for (Iterator<Waiter> it = list.iterator(); it.hasNext(); ) {
            Waiter w = it.next();
            long at = w.current(state);
            if (at > w.after() || !w.deadline().isAfter(now) || w.future().isDone()) {
                hand.accept(() -> w.future().complete(at));
                it.remove();
                count.decrementAndGet();
            }
        }
    }
}
