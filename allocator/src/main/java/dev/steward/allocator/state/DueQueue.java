package dev.steward.allocator.state;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Keys (agent, allocation or service ids) due at an instant: the ticker asks for the keys due
 * by now instead of passing over every record, so a tick costs what is due, not the cluster's
 * size. A key has at most one live due time; setting it again supersedes the earlier one, which
 * stays in the heap as a stale entry until it surfaces (or the heap is compacted), so a move is
 * O(log n). What a due key means is decided by whoever polls it: a poll only says "look now".
 */
public final class DueQueue {
    private record Entry(Instant at, String key) {
    }

    private final PriorityQueue<Entry> heap = new PriorityQueue<>(Comparator.comparing(Entry::at));
    private final Map<String, Instant> due = new HashMap<>();

    /** {@code key} is due at {@code at}, superseding any earlier due time. */
    public void set(String key, Instant at) {
        Instant old = due.put(key, at);
        if (!at.equals(old)) {
            heap.add(new Entry(at, key));
            if (heap.size() > 2 * due.size() + 1024) {
                compact();
            }
        }
    }

    /** {@code key} is due at {@code at} unless it is due already: for a key re-checked when it surfaces. */
    public void setIfAbsent(String key, Instant at) {
        if (!due.containsKey(key)) {
            set(key, at);
        }
    }

    /** {@code key} is no longer due. */
    public void remove(String key) {
        due.remove(key);
    }

    /** The key's due time, or null. */
    public Instant dueAt(String key) {
        return due.get(key);
    }

    /** Removes and returns the keys due at or before {@code now}, earliest first. */
    public List<String> poll(Instant now) {
        List<String> out = new ArrayList<>();
        while (!heap.isEmpty() && !heap.peek().at().isAfter(now)) {
            Entry e = heap.poll();
            if (e.at().equals(due.get(e.key()))) {
                due.remove(e.key());
                out.add(e.key());
            }
        }
        return out;
    }

    /** How many keys are due at some time. */
    public int size() {
        return due.size();
    }

    private void compact() {
        heap.clear();
        due.forEach((k, at) -> heap.add(new Entry(at, k)));
    }
}
