package dev.steward.allocator.fairness;

import dev.steward.api.Resources;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Weighted Dominant Resource Fairness (Ghodsi et al., NSDI 2011). A role's dominant share is
 * the largest of its shares of each resource (cpus, memory, disk, GPUs, scalars) of the
 * cluster's total; divided by the role's weight, it orders the roles, lowest first. Roles
 * still below their guarantee in some resource come before all others. Ties go by name, so
 * the order is deterministic.
 */
public final class DrfSorter implements Sorter {
    private record Entry(double weight, Resources guarantee, Resources allocation) {
    }

    private final Map<String, Entry> roles = new HashMap<>();
    private Resources total = Resources.ZERO;

    @Override
    public void add(String role, double weight, Resources guarantee) {
        Entry old = roles.get(role);
        roles.put(role, new Entry(weight, guarantee, old == null ? Resources.ZERO : old.allocation));
    }

    @Override
    public void remove(String role) {
        roles.remove(role);
    }

    @Override
    public void setTotal(Resources total) {
        this.total = total;
    }

    @Override
    public void allocated(String role, Resources r) {
        Entry e = entry(role);
        roles.put(role, new Entry(e.weight, e.guarantee, e.allocation.plus(r)));
    }

    @Override
    public void unallocated(String role, Resources r) {
        Entry e = entry(role);
        roles.put(role, new Entry(e.weight, e.guarantee, e.allocation.minus(r)));
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
        List<String> out = new ArrayList<>(roles.keySet());
        out.sort(Comparator.comparing((String r) -> !belowGuarantee(roles.get(r))).thenComparingDouble(this::share).thenComparing(r -> r));
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
