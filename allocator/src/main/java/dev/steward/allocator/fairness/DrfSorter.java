package dev.steward.allocator.fairness;

import dev.steward.api.Resources;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Weighted Dominant Resource Fairness (Ghodsi et al., NSDI 2011). A role's dominant share is
 * the largest of its shares of each resource (cpus, memory, disk, GPUs, scalars) of the
 * cluster's total; divided by the role's weight, it orders the roles, lowest first. Roles
 * still below their guarantee in some resource come before all others. Ties go by name, so
 * the order is deterministic.
 *
 * <p>The order is kept, not recomputed: as in Mesos's sorter, each role's place is computed when
 * its allocation, weight or guarantee changes and it moves in a sorted set, so asking for the
 * order after every placement costs a walk of the set, not a sort that recomputes every role's
 * share inside its comparator. A change of the cluster's total changes every share: the set is
 * rebuilt at the next ask.
 */
public final class DrfSorter implements Sorter {
    private record Entry(double weight, Resources guarantee, Resources allocation) {
    }

    /** A role's place in the order: below its guarantee first, then by share, then by name. */
    private record Place(boolean below, double share, String role) implements Comparable<Place> {
        @Override
        public int compareTo(Place o) {
            if (below != o.below) {
                return below ? -1 : 1;
            }
            int c = Double.compare(share, o.share);
            return c != 0 ? c : role.compareTo(o.role);
        }
    }

    private final Map<String, Entry> roles = new HashMap<>();
    private final Map<String, Place> places = new HashMap<>();
    private final java.util.TreeSet<Place> order = new java.util.TreeSet<>();
    private boolean stale;
    private Resources total = Resources.ZERO;

    @Override
    public void add(String role, double weight, Resources guarantee) {
        Entry old = roles.get(role);
        put(role, new Entry(weight, guarantee, old == null ? Resources.ZERO : old.allocation));
    }

    @Override
    public void remove(String role) {
        roles.remove(role);
        Place p = places.remove(role);
        if (p != null) {
            order.remove(p);
        }
    }

    @Override
    public void setTotal(Resources total) {
        if (!total.equals(this.total)) {
            this.total = total;
            stale = true; // every share changes: rebuilt at the next ask
        }
    }

    @Override
    public void allocated(String role, Resources r) {
        Entry e = entry(role);
        put(role, new Entry(e.weight, e.guarantee, e.allocation.plus(r)));
    }

    @Override
    public void unallocated(String role, Resources r) {
        Entry e = entry(role);
        put(role, new Entry(e.weight, e.guarantee, e.allocation.minus(r)));
    }

    /** Records a role's new entry and moves it to its new place in the order. */
    private void put(String role, Entry e) {
        roles.put(role, e);
        if (stale) {
            return;
        }
        Place old = places.get(role);
        if (old != null) {
            order.remove(old);
        }
        Place p = place(role, e);
        places.put(role, p);
        order.add(p);
    }

    private Place place(String role, Entry e) {
        return new Place(belowGuarantee(e), dominantShare(e.allocation, total) / e.weight, role);
    }

    @Override
    public Resources allocation(String role) {
        Entry e = roles.get(role);
        return e == null ? Resources.ZERO : e.allocation;
    }

    @Override
    public double share(String role) {
        Entry e = roles.get(role);
        return e == null ? 0 : dominantShare(e.allocation, total) / e.weight;
    }

    /** The largest share of any one resource that {@code a} holds of {@code t}. */
    public static double dominantShare(Resources a, Resources t) {
        double s = 0;
        s = Math.max(s, ratio(a.cpuMillis(), t.cpuMillis()));
        s = Math.max(s, ratio(a.memoryMib(), t.memoryMib()));
        s = Math.max(s, ratio(a.diskMib(), t.diskMib()));
        s = Math.max(s, ratio(a.gpuMillis(), t.gpuMillis()));
        for (Map.Entry<String, Long> e : a.scalars().entrySet()) {
            s = Math.max(s, ratio(e.getValue(), t.scalars().getOrDefault(e.getKey(), 0L)));
        }
        return s;
    }

    @Override
    public List<String> sort() {
        if (stale) {
            order.clear();
            places.clear();
            roles.forEach((role, e) -> {
                Place p = place(role, e);
                places.put(role, p);
                order.add(p);
            });
            stale = false;
        }
        List<String> out = new ArrayList<>(order.size());
        for (Place p : order) {
            out.add(p.role());
        }
        return out;
    }

    private static boolean belowGuarantee(Entry e) {
        return !e.guarantee.isZero() && !e.guarantee.fitsIn(e.allocation);
    }

    private Entry entry(String role) {
        Entry e = roles.get(role);
        if (e == null) {
            throw new IllegalArgumentException("unknown role " + role);
        }
        return e;
    }

    private static double ratio(long a, long t) {
        return t <= 0 ? 0 : (double) a / t;
    }
}
