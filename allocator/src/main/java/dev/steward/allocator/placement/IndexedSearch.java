package dev.steward.allocator.placement;

import dev.steward.api.Placement;

import java.util.List;
import java.util.Set;

/**
 * One placement's search through a {@link FillIndex} with the default scorers: buckets are
 * visited fullest first (bin-packing) or emptiest first (spreading), across the shelves that can
 * hold the GPUs asked for. A bucket is skipped when the best score any of its agents could reach
 * is no better than the best found, or when none of them has the cpu and memory free; the search
 * stops when no later bucket can win on any shelf. The bounds hold for the default scorers (fill
 * in [0, 1], GPU affinity at most 0, share fit at most 0.5, anti-affinity at most 0). It finds as
 * good a placement as scoring every agent ({@code FillIndexPropertyTest}).
 */
final class IndexedSearch {
    private final PlacementStack stack;
    private final PlacementAsk ask;
    private final Scorer[] rank;
    private final boolean spread;
    private final long gpu;
    private final long cpuNeed;
    private final long memoryNeed;
    private final double bonus;
    private AgentLedger best;
    private double bestScore = Double.NEGATIVE_INFINITY;

    IndexedSearch(PlacementStack stack, PlacementAsk ask, Scorer[] rank) {
        this.stack = stack;
        this.ask = ask;
        this.rank = rank;
        this.spread = ask.ask().placement() == Placement.SPREAD;
        this.gpu = ask.ask().shape().gpuMillis();
        this.cpuNeed = ask.ask().shape().cpuMillis();
        this.memoryNeed = ask.ask().shape().memoryMib();
        this.bonus = gpu > 0 && gpu < 1000 ? 0.5 : 0.0;
    }

    AgentLedger best() {
        return best;
    }

    double bestScore() {
        return bestScore;
    }

    /** Runs the search; {@link #best()} is null when no agent can take the ask. */
    IndexedSearch run(FillIndex index) {
        // the shelves that can hold the GPUs asked for, the buckets any of them has agents in, and
        // the most one allocation can add to a fill on any of them
        List<FillIndex.Shelf> all = index.shelves();
        FillIndex.Shelf[] shelves = new FillIndex.Shelf[all.size()];
        int count = 0;
        long occupied = 0;
        double most = 0;
        Set<String> models = ask.ask().gpuModels();
        for (int i = 0, n = all.size(); i < n; i++) {
            FillIndex.Shelf shelf = all.get(i);
            if (shelf.occupied() == 0 || (gpu > 0 && (shelf.gpus * 1000L < gpu || (!models.isEmpty() && !models.contains(shelf.gpuModel))))) {
                continue; // empty, or no agent of this shelf has the GPUs asked for
            }
            shelves[count++] = shelf;
            occupied |= shelf.occupied();
            most = Math.max(most, Math.max((double) cpuNeed / shelf.minCpuAll(), (double) memoryNeed / shelf.minMemoryAll()));
        }
        while (occupied != 0) {
            int b = spread ? Long.numberOfTrailingZeros(occupied) : 63 - Long.numberOfLeadingZeros(occupied);
            occupied &= ~(1L << b);
            double ceiling = spread ? 1.0 - FillIndex.low(b) + bonus : Math.min(1.0, FillIndex.high(b) + most) + bonus;
            if (best != null && ceiling + 1e-9 <= bestScore) {
                break; // this bucket and every later one score no better on any shelf
            }
            for (int h = 0; h < count; h++) {
                FillIndex.Shelf shelf = shelves[h];
                if ((shelf.occupied() & (1L << b)) != 0) {
                    shelf(shelf, b);
                }
            }
        }
        return this;
    }

    private void shelf(FillIndex.Shelf shelf, int b) {
        double share = bonus == 0 ? 0 : 0.5 * Math.min(1000, shelf.maxDeviceUsed(b) + gpu) / 1000.0;
        double bound = spread ? 1.0 - FillIndex.low(b) + share
                : Math.min(1.0, FillIndex.high(b) + Math.max((double) cpuNeed / shelf.minCpu(b), (double) memoryNeed / shelf.minMemory(b))) + share;
        if (best != null && bound + 1e-9 <= bestScore) {
            return;
        }
        List<AgentLedger> bucket = shelf.bucket(b);
        if (!bucket.isEmpty() && shelf.mayFit(b, cpuNeed, memoryNeed, gpu)) { // else too full everywhere: unread
            bucket(bucket);
        }
        if (b == 0) {
            List<List<AgentLedger>> idle = shelf.idleGroups();
            for (int j = 0, groups = idle.size(); j < groups; j++) {
                List<AgentLedger> group = idle.get(j);
                if (!group.isEmpty()) {
                    idle(group);
                }
            }
        }
    }

    private void bucket(List<AgentLedger> bucket) {
        for (int i = 0, n = bucket.size(); i < n; i++) {
            AgentLedger a = bucket.get(i);
            if (a.freeCpu() < cpuNeed || a.freeMemory() < memoryNeed || (gpu > 0 && !a.fitsGpus(gpu))) {
                continue; // too full: most agents of the fullest buckets are, and two reads say so (their reasons count only when nothing fits)
            }
            // score next: scorers are cheaper than filters, and a dominated agent needs no filtering
            double s = score(a);
            if (s > bestScore && stack.firstRejection(a, ask) == null) {
                bestScore = s;
                best = a;
            }
        }
    }

    /** One machine type holding nothing: the same score on every agent but for anti-affinity (never positive). */
    private void idle(List<AgentLedger> group) {
        AgentLedger first = group.get(0);
        double top = score(first) + ask.siblings().getOrDefault(first.id(), 0);
        if (top <= bestScore || Filters.RESOURCES.reject(first, ask) != null || Filters.GPUS.reject(first, ask) != null) {
            return; // no better than found, or too small: the group's free capacity is the same on every agent
        }
        for (int i = 0, m = group.size(); i < m; i++) {
            AgentLedger a = group.get(i);
            int siblings = ask.siblings().isEmpty() ? 0 : ask.siblings().getOrDefault(a.id(), 0);
            if (top - siblings > bestScore && stack.firstRejection(a, ask) == null) {
                bestScore = top - siblings;
                best = a;
                if (siblings == 0) {
                    return; // none of the rest can score more
                }
            }
        }
    }

    private double score(AgentLedger a) {
        double s = 0;
        for (Scorer sc : rank) {
            s += sc.score(a, ask);
        }
        return s;
    }
}
