package dev.steward.allocator.store;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * How stored rows change shape from one schema to the next. The schema is the version of every
 * row's stored shape; {@link #CURRENT} is what this release writes. A release that changes what a
 * stored record holds (a field renamed, moved, retyped, or given a meaning that old rows lack)
 * raises {@link #CURRENT}, adds a {@link Migration} from the schema before, and records the new
 * shape (StoredShapeTest fails until it does). Opening an older database migrates every row in
 * one transaction, before anything reads it; a newer one is refused.
 */
public final class Migrations {
    /** The stored shape this release writes. */
    public static final int CURRENT = 1;

    /** One step: rows at schema {@code from} to {@code from + 1}; {@code apply} returns the new row (it may change the one given). */
    public record Migration(int from, String what, Step apply) {
    }

    @FunctionalInterface
    public interface Step {
        ObjectNode apply(Store.Table table, ObjectNode row);
    }

    /** Every migration of this release, oldest first; none yet, as schema 1 is the first. */
    public static final List<Migration> ALL = List.of();

    private final int current;
    private final List<Migration> steps;

    public Migrations(int current, List<Migration> steps) {
        for (int v = 1; v < current; v++) {
            int from = v;
            if (steps.stream().noneMatch(m -> m.from() == from)) {
                throw new IllegalArgumentException("no migration from schema " + v + " to " + (v + 1));
            }
        }
        this.current = current;
        this.steps = List.copyOf(steps);
    }

    public static Migrations release() {
        return new Migrations(CURRENT, ALL);
    }

    public int current() {
        return current;
    }

    /** The row as schema {@link #current()} stores it, from schema {@code from}. */
    ObjectNode migrate(Store.Table table, ObjectNode row, int from) {
        ObjectNode r = row;
        for (int v = from; v < current; v++) {
            int at = v;
            Migration m = steps.stream().filter(x -> x.from() == at).findFirst().orElseThrow();
            r = m.apply().apply(table, r);
        }
        return r;
    }

    /** What migrating from {@code from} does, for the log. */
    List<String> describe(int from) {
        return steps.stream().filter(m -> m.from() >= from && m.from() < current).map(m -> m.from() + " -> " + (m.from() + 1) + ": " + m.what()).toList();
    }
}
