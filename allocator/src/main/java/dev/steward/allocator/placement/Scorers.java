package dev.steward.allocator.placement;

import dev.steward.api.Resources;

/**
 * The scorers. Each is small; {@link PlacementStack} sums those it is given. The choice was
 * made on the Alibaba GPU trace (bench/PlacementBench, which prints both trade-offs below on
 * every run): keeping GPU machines for GPU work (in proportion to their free GPUs) places
 * 54-157 more tasks on a full cluster and strands 64-187 fewer GPUs, for up to 56 more agents
 * used. Bin-packing by the mean of cpu and memory fill, as Fenzo's cpu+memory bin-packer does,
 * replaced packing by the tightest of the two on 2026-12-03, once the GPU affinity was in: with
 * it, the mean used 2-37 fewer agents for the same tasks, stranded 11-22 fewer GPUs and placed
 * 39 more tasks on one list and 2 and 8 fewer on the others (docs/benchmarks.md).
 */
public final class Scorers {
    private Scorers() {
    }

    /**
     * Bin-packing: how full the agent's cpu and memory would be after this allocation, their
     * mean, in [0, 1]. Fuller is better, so holes are filled first and whole agents stay free.
     * Never above the tightest resource's fill, which the {@link FillIndex} buckets by and bounds.
     */
    public static final Scorer BINPACK = Scorers::meanFillAfter;

    /** Spreading: the emptier the agent's tightest resource after this allocation, the better. */
    public static final Scorer SPREAD = (a, ask) -> 1.0 - fillAfter(a, ask);

    /**
     * Keeps GPU agents for GPU work: an ask without GPUs loses up to half a point on an agent
     * in proportion to its free GPUs, so cpu-only work does not strand them behind used cpus
     * and memory, yet fills agents whose GPUs are taken anyway.
     */
    public static final Scorer GPU_AFFINITY = (a, ask) -> {
        if (ask.ask().shape().gpuMillis() > 0 || a.gpuCount() == 0) {
            return 0.0;
        }
        double capacity = a.gpuCount() * 1000.0;
        return -0.5 * (capacity - a.usedGpuMillis()) / capacity;
    };

    /**
     * For a share of one GPU: up to half a point for the fullest device it would fit on, so
     * shares pack onto devices already shared and whole devices stay free (the fragmentation
     * the trace's paper measures).
     */
    public static final Scorer GPU_SHARE_FIT = (a, ask) -> {
        long g = ask.ask().shape().gpuMillis();
        if (g == 0 || g >= 1000) {
            return 0.0;
        }
        int best = -1;
        for (int i = 0; i < a.gpuCount(); i++) {
            if (a.gpuUsed(i) + g <= 1000 && (best < 0 || a.gpuUsed(i) > a.gpuUsed(best))) {
                best = i;
            }
        }
        return best < 0 ? 0.0 : 0.5 * (a.gpuUsed(best) + g) / 1000.0;
    };

    /**
     * Spreads a service: a point lost for each of the service's other live instances already on
     * the agent (Nomad's job anti-affinity), so instances land on different agents before any
     * agent takes a second one, and only then does bin-packing or spreading choose. It is never
     * positive, so the {@link FillIndex} bounds still hold; for an ask that is not a service
     * instance it is 0.
     */
    public static final Scorer ANTI_AFFINITY = (a, ask) -> {
        if (ask.siblings().isEmpty()) {
            return 0.0;
        }
        return -ask.siblings().getOrDefault(a.id(), 0);
    };

    /** The mean of the agent's cpu and memory fill after this allocation, in [0, 1]; never above {@link #fillAfter}. */
    static double meanFillAfter(AgentLedger a, PlacementAsk ask) {
        return (cpuAfter(a, ask.ask().shape()) + memoryAfter(a, ask.ask().shape())) / 2;
    }

    /** The fill of the agent's tightest resource, cpu or memory, after this allocation. */
    static double fillAfter(AgentLedger a, PlacementAsk ask) {
        return Math.max(cpuAfter(a, ask.ask().shape()), memoryAfter(a, ask.ask().shape()));
    }

    private static double cpuAfter(AgentLedger a, Resources s) {
        long total = a.totalCpu();
        return total <= 0 ? 0 : (double) (a.usedCpu() + s.cpuMillis()) / total;
    }

    private static double memoryAfter(AgentLedger a, Resources s) {
        long total = a.totalMemory();
        return total <= 0 ? 0 : (double) (a.usedMemory() + s.memoryMib()) / total;
    }
}
