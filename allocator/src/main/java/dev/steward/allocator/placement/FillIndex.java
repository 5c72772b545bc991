package dev.steward.allocator.placement;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The agents grouped so placement can skip most of a large cluster: first into shelves by
 * kind (cpu and memory totals within a factor of two, GPU count and model), so a GPU ask skips
 * shelves that cannot hold it, then on each shelf into {@value #BUCKETS}
 * buckets by how full their tightest resource (cpu or memory) is. Placement visits the fullest
 * buckets first (bin-packing) or the emptiest (spreading) and skips a bucket whose best possible
 * score cannot beat the best found; each bucket keeps the smallest totals and the fullest GPU
 * device placed in it, which bound what one allocation can score there, and the most cpu,
 * memory and GPU room any of its agents has free, so a bucket where the allocation fits nowhere
 * is skipped unread. Ledgers tell the index when their usage or totals change.
 *
 * <p>Agents that hold nothing are kept apart from bucket 0, in groups of one machine type (cpu,
 * memory, disk, GPU and scalar totals). The default scorers give every agent of such a group the
 * same score but for anti-affinity, which only lowers it, and the capacity filters give them the
 * same answer; so placement checks a group once and takes its first feasible agent without a
 * sibling. A large, mostly idle cluster then costs a placement one look per machine type, not
 * one per idle agent.
 */
public final class FillIndex {
    static final int BUCKETS = 64; // one bit each in a shelf's occupancy mask
    private final Map<String, Shelf> shelves = new LinkedHashMap<>();
    private final List<Shelf> order = new ArrayList<>();
    private int size;

    /** Agents of one size class, bucketed by fill. */
    static final class Shelf {
        final int gpus;
        final String gpuModel;
        private final List<List<AgentLedger>> buckets = new ArrayList<>(BUCKETS);
        private final long[] minCpu = new long[BUCKETS];
        private final long[] minMemory = new long[BUCKETS];
        private final int[] maxDeviceUsed = new int[BUCKETS];
        private final long[] maxFreeCpu = new long[BUCKETS];
        private final long[] maxFreeMemory = new long[BUCKETS];
        private final int[] maxWholeGpusFree = new int[BUCKETS];
        private final int[] leastDeviceUsed = new int[BUCKETS];
        private final boolean[] freeStale = new boolean[BUCKETS];
        private final Map<String, List<AgentLedger>> idle = new LinkedHashMap<>();
        private final List<List<AgentLedger>> idleGroups = new ArrayList<>();

        private final int cpuClass;
        private final int memoryClass;
        private long occupied; // bit b: bucket b has agents (bucket 0 counts the idle groups too)
        private int idleCount;
        private long minCpuAll = Long.MAX_VALUE;
        private long minMemoryAll = Long.MAX_VALUE;

        Shelf(int cpuClass, int memoryClass, int gpus, String gpuModel) {
            this.cpuClass = cpuClass;
            this.memoryClass = memoryClass;
            this.gpus = gpus;
            this.gpuModel = gpuModel;
            for (int i = 0; i < BUCKETS; i++) {
                buckets.add(new ArrayList<>());
                leastDeviceUsed[i] = 1000;
                minCpu[i] = Long.MAX_VALUE;
                minMemory[i] = Long.MAX_VALUE;
            }
        }

        /** The buckets that have agents, as bits (bit b for bucket b). */
        long occupied() {
            return occupied;
        }

        /** The smallest cpu total any agent of this shelf ever had (a bound: never raised). */
        long minCpuAll() {
            return minCpuAll;
        }

        /** The smallest memory total any agent of this shelf ever had (a bound: never raised). */
        long minMemoryAll() {
            return minMemoryAll;
        }

        /** True when {@code a}'s totals still belong on this shelf (no key built: this runs on every reservation). */
        boolean holds(AgentLedger a) {
            return log2(a.totalCpu()) == cpuClass && log2(a.totalMemory()) == memoryClass && a.gpuCount() == gpus
                    && java.util.Objects.equals(a.gpuModel(), gpuModel);
        }

        List<AgentLedger> bucket(int b) {
            return buckets.get(b);
        }

        long minCpu(int b) {
            return minCpu[b];
        }

        long minMemory(int b) {
            return minMemory[b];
        }

        /**
         * False when no agent of bucket {@code b} has this much cpu, or memory, or room for these
         * GPU thousandths (whole free devices, or one device with room for a share) free. Each
         * bound is the most of its own over the bucket's agents, exact: recomputed (one pass
         * over the bucket) when an agent of it changed since.
         */
        boolean mayFit(int b, long cpu, long memory, long gpuMillis) {
            if (freeStale[b]) {
                long c = 0;
                long m = 0;
                int whole = 0;
                int least = 1000;
                List<AgentLedger> list = buckets.get(b);
                for (int i = 0, n = list.size(); i < n; i++) {
                    AgentLedger a = list.get(i);
                    c = Math.max(c, a.freeCpu());
                    m = Math.max(m, a.freeMemory());
                    whole = Math.max(whole, a.wholeGpusFree());
                    least = Math.min(least, a.leastDeviceUsed());
                }
                maxFreeCpu[b] = c;
                maxFreeMemory[b] = m;
                maxWholeGpusFree[b] = whole;
                leastDeviceUsed[b] = least;
                freeStale[b] = false;
            }
            if (cpu > maxFreeCpu[b] || memory > maxFreeMemory[b]) {
                return false;
            }
            return gpuMillis == 0 || (gpuMillis < 1000 ? leastDeviceUsed[b] + gpuMillis <= 1000 : maxWholeGpusFree[b] >= gpuMillis / 1000);
        }

        /** The idle agents (holding nothing) of this shelf, one list per machine type; all belong to bucket 0. */
        List<List<AgentLedger>> idleGroups() {
            return idleGroups;
        }

        /** The most any GPU device of an agent ever placed in bucket {@code b} held. */
        int maxDeviceUsed(int b) {
            return maxDeviceUsed[b];
        }
    }

    public void add(AgentLedger a) {
        if (a.index != null) {
            throw new IllegalStateException("agent " + a.id() + " is already indexed");
        }
        a.index = this;
        insert(a);
        size++;
        grew(a);
    }

    public void remove(AgentLedger a) {
        if (a == null || a.index != this) {
            return;
        }
        detach(a);
        a.index = null;
        size--;
        grown.remove(a);
        forgetFailures(); // no room grows where an agent leaves
    }

    /**
     * Asks known to fit on no agent, each with the outcome (the reasons counted) of its failure.
     * A reservation only takes room, so an ask that fitted nowhere still fits nowhere after it;
     * anything that may give room (a release, an agent added, back from draining or lost, new
     * totals, attributes or ports: {@link #grew}), and an agent removed, clears them all. Bounded:
     * cleared when full.
     */
    private final Map<PlacementStack.FitKey, PlacementStack.Outcome> failures = new java.util.HashMap<>();
    static final int MAX_FAILURES = 4096;

    /** Agents that may have gained room since the scheduler last looked ({@link #takeGrowth}), unless room may have grown everywhere. */
    private final java.util.Set<AgentLedger> grown = new java.util.LinkedHashSet<>();
    private boolean grewEverywhere;
    static final int MAX_GROWN = 4096;

    /**
     * Called when {@code where} may have gained room or become eligible (a release, joined, back,
     * out of drain, new totals, attributes or ports given back), or with null when room may have
     * grown for any ask anywhere: what failed may fit now.
     */
    void grew(AgentLedger where) {
        forgetFailures();
        if (where == null || grown.size() >= MAX_GROWN) {
            grewEverywhere = true;
            grown.clear();
        } else if (!grewEverywhere) {
            grown.add(where);
        }
    }

    /** Called when something outside the agents may let a failed ask through (a role's limit or guarantee changed): room grown everywhere. */
    public void roleQuotasChanged() {
        grew(null);
    }

    /**
     * A tentative reservation was taken back (a gang's units when the gang does not fit): the
     * agents are as they were, so no room grew, but failures found while it was held are forgotten.
     */
    void undone() {
        forgetFailures();
    }

    private void forgetFailures() {
        if (!failures.isEmpty()) {
            failures.clear();
        }
    }

    /** Whether room may have grown since {@link #takeGrowth} was last called. */
    public boolean hasGrown() {
        return grewEverywhere || !grown.isEmpty();
    }

    /**
     * Where room may have grown since the last call, then forgotten: the agents, or null when it
     * may have grown for any ask anywhere. Reservations, and agents removed, are no growth. The
     * scheduler sets aside what found no place until growth that could help it.
     */
    public java.util.List<AgentLedger> takeGrowth() {
        if (grewEverywhere) {
            grewEverywhere = false;
            return null;
        }
        java.util.List<AgentLedger> out = java.util.List.copyOf(grown);
        grown.clear();
        return out;
    }

    PlacementStack.Outcome knownFailure(PlacementStack.FitKey key) {
        return failures.get(key);
    }

    void failed(PlacementStack.FitKey key, PlacementStack.Outcome o) {
        if (failures.size() >= MAX_FAILURES) {
            failures.clear();
        }
        failures.put(key, o);
    }

    public int size() {
        return size;
    }

    /** Every indexed agent, shelf by shelf. */
    public List<AgentLedger> all() {
        List<AgentLedger> out = new ArrayList<>(size);
        for (Shelf s : order) {
            for (List<AgentLedger> b : s.buckets) {
                out.addAll(b);
            }
            for (List<AgentLedger> g : s.idleGroups) {
                out.addAll(g);
            }
        }
        return out;
    }

    /** Visits every indexed agent, shelf by shelf, without copying them out. */
    public void forEach(java.util.function.Consumer<AgentLedger> visit) {
        for (Shelf s : order) {
            for (List<AgentLedger> b : s.buckets) {
                for (int i = 0, n = b.size(); i < n; i++) {
                    visit.accept(b.get(i));
                }
            }
            for (List<AgentLedger> g : s.idleGroups) {
                for (int i = 0, n = g.size(); i < n; i++) {
                    visit.accept(g.get(i));
                }
            }
        }
    }

    List<Shelf> shelves() {
        return order;
    }

    /** Called by a ledger whose usage or totals changed. */
    void moved(AgentLedger a) {
        if (!a.shelf.holds(a) || a.bucket != bucketOf(a) || a.idle != null || idle(a)) {
            detach(a);
            insert(a);
        } else {
            a.shelf.freeStale[a.bucket] = true;
            note(a);
        }
    }

    /** The lowest fill an agent in bucket {@code b} can have. */
    static double low(int b) {
        return (double) b / BUCKETS;
    }

    /** The highest fill an agent in bucket {@code b} can have. */
    static double high(int b) {
        return b == BUCKETS - 1 ? 1.0 : (double) (b + 1) / BUCKETS;
    }

    static int bucketOf(AgentLedger a) {
        return Math.max(0, Math.min(BUCKETS - 1, (int) (fill(a) * BUCKETS)));
    }

    /** The fill of the agent's tightest resource, cpu or memory, in [0, 1]. */
    static double fill(AgentLedger a) {
        double c = a.totalCpu() <= 0 ? 0 : (double) a.usedCpu() / a.totalCpu();
        double m = a.totalMemory() <= 0 ? 0 : (double) a.usedMemory() / a.totalMemory();
        return Math.max(c, m);
    }

    private Shelf shelfOf(AgentLedger a) {
        String key = log2(a.totalCpu()) + "/" + log2(a.totalMemory()) + "/" + a.gpuCount() + "/" + a.gpuModel();
        return shelves.computeIfAbsent(key, k -> {
            Shelf s = new Shelf(log2(a.totalCpu()), log2(a.totalMemory()), a.gpuCount(), a.gpuModel());
            order.add(s);
            return s;
        });
    }

    private static int log2(long v) {
        return v <= 1 ? 0 : 63 - Long.numberOfLeadingZeros(v);
    }

    /**
     * Holds nothing that the scorers or the capacity filters of resources and GPUs look at, so
     * agents of one type in this state score alike and fit alike (ports, attributes and
     * eligibility still differ, and are filtered one by one).
     */
    static boolean idle(AgentLedger a) {
        return a.usedCpu() == 0 && a.usedMemory() == 0 && a.usedGpuMillis() == 0 && a.idleScalarsAndDisk();
    }

    private void insert(AgentLedger a) {
        Shelf s = shelfOf(a);
        int b = bucketOf(a);
        List<AgentLedger> list;
        if (idle(a)) {
            list = s.idle.computeIfAbsent(a.totalCpu() + "/" + a.totalMemory() + "/" + a.gpuCount() + "/" + a.total().diskMib() + "/" + new java.util.TreeMap<>(a.total().scalars()), k -> {
                List<AgentLedger> g = new ArrayList<>();
                s.idleGroups.add(g);
                return g;
            });
            a.idle = list;
        } else {
            list = s.buckets.get(b);
            a.idle = null;
            s.maxFreeCpu[b] = Math.max(s.maxFreeCpu[b], a.freeCpu());
            s.maxFreeMemory[b] = Math.max(s.maxFreeMemory[b], a.freeMemory());
            s.maxWholeGpusFree[b] = Math.max(s.maxWholeGpusFree[b], a.wholeGpusFree());
            s.leastDeviceUsed[b] = Math.min(s.leastDeviceUsed[b], a.leastDeviceUsed());
        }
        a.shelf = s;
        a.bucket = b;
        a.slot = list.size();
        list.add(a);
        if (a.idle != null) {
            s.idleCount++;
        }
        s.occupied |= 1L << b;
        note(a);
    }

    private static void note(AgentLedger a) {
        Shelf s = a.shelf;
        s.minCpu[a.bucket] = Math.min(s.minCpu[a.bucket], Math.max(1, a.totalCpu()));
        s.minMemory[a.bucket] = Math.min(s.minMemory[a.bucket], Math.max(1, a.totalMemory()));
        s.minCpuAll = Math.min(s.minCpuAll, s.minCpu[a.bucket]);
        s.minMemoryAll = Math.min(s.minMemoryAll, s.minMemory[a.bucket]);
        for (int i = 0; i < a.gpuCount(); i++) {
            s.maxDeviceUsed[a.bucket] = Math.max(s.maxDeviceUsed[a.bucket], a.gpuUsed(i));
        }
    }

    private static void detach(AgentLedger a) {
        List<AgentLedger> list = a.idle != null ? a.idle : a.shelf.buckets.get(a.bucket);
        if (a.idle == null) {
            a.shelf.freeStale[a.bucket] = true;
        }
        AgentLedger last = list.remove(list.size() - 1);
        if (last != a) {
            list.set(a.slot, last);
            last.slot = a.slot;
        }
        Shelf s = a.shelf;
        if (a.idle != null) {
            s.idleCount--;
        }
        if (s.buckets.get(a.bucket).isEmpty() && (a.bucket != 0 || s.idleCount == 0)) {
            s.occupied &= ~(1L << a.bucket);
        }
    }
}
