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
 * device placed in it, which bound what one allocation can score there. Ledgers tell the index
 * when their usage or totals change.
 */
public final class FillIndex {
    static final int BUCKETS = 64;
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

        Shelf(int gpus, String gpuModel) {
            this.gpus = gpus;
            this.gpuModel = gpuModel;
            for (int i = 0; i < BUCKETS; i++) {
                buckets.add(new ArrayList<>());
                minCpu[i] = Long.MAX_VALUE;
                minMemory[i] = Long.MAX_VALUE;
            }
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
    }

    public void remove(AgentLedger a) {
        if (a == null || a.index != this) {
            return;
        }
        detach(a);
        a.index = null;
        size--;
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
        }
        return out;
    }

    List<Shelf> shelves() {
        return order;
    }

    /** Called by a ledger whose usage or totals changed. */
    void moved(AgentLedger a) {
        if (a.shelf != shelfOf(a) || a.bucket != bucketOf(a)) {
            detach(a);
            insert(a);
        } else {
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
            Shelf s = new Shelf(a.gpuCount(), a.gpuModel());
            order.add(s);
            return s;
        });
    }

    private static int log2(long v) {
        return v <= 1 ? 0 : 63 - Long.numberOfLeadingZeros(v);
    }

    private void insert(AgentLedger a) {
        Shelf s = shelfOf(a);
        int b = bucketOf(a);
        List<AgentLedger> list = s.buckets.get(b);
        a.shelf = s;
        a.bucket = b;
        a.slot = list.size();
        list.add(a);
        note(a);
    }

    private static void note(AgentLedger a) {
        Shelf s = a.shelf;
        s.minCpu[a.bucket] = Math.min(s.minCpu[a.bucket], Math.max(1, a.totalCpu()));
        s.minMemory[a.bucket] = Math.min(s.minMemory[a.bucket], Math.max(1, a.totalMemory()));
        for (int i = 0; i < a.gpuCount(); i++) {
            s.maxDeviceUsed[a.bucket] = Math.max(s.maxDeviceUsed[a.bucket], a.gpuUsed(i));
        }
    }

    private static void detach(AgentLedger a) {
        List<AgentLedger> list = a.shelf.buckets.get(a.bucket);
        AgentLedger last = list.remove(list.size() - 1);
        if (last != a) {
            list.set(a.slot, last);
            last.slot = a.slot;
        }
    }
}
