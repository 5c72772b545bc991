package dev.steward.allocator.placement;

import dev.steward.api.Resources;

/** The scorers. Each is small; {@link PlacementStack} sums those it is given. */
public final class Scorers {
    private Scorers() {
    }

    /**
     * Bin-packing: how full the agent would be after this allocation, the mean of its cpu and
     * memory (and GPU, when asked) fill in [0, 1]. Fuller is better, so small holes are filled
     * first and whole agents stay free.
     */
    public static final Scorer BINPACK = Scorers::fillAfter;

    /** Spreading: the emptier the agent after this allocation, the better. */
    public static final Scorer SPREAD = (a, ask) -> 1.0 - fillAfter(a, ask);

    /**
     * Keeps GPU agents for GPU work: an ask without GPUs loses half a point on an agent that
     * has GPUs, so cpu-only work does not strand GPUs behind used cpus and memory.
     */
    public static final Scorer GPU_AFFINITY = (a, ask) -> ask.ask().shape().gpuMillis() == 0 && a.gpuCount() > 0 ? -0.5 : 0.0;

    static double fillAfter(AgentLedger a, PlacementAsk ask) {
        Resources s = ask.ask().shape();
        Resources t = a.total();
        double sum = 0;
        int dims = 0;
        if (t.cpuMillis() > 0) {
            sum += (double) (t.cpuMillis() - a.freeCpu() + s.cpuMillis()) / t.cpuMillis();
            dims++;
        }
        if (t.memoryMib() > 0) {
            sum += (double) (t.memoryMib() - a.freeMemory() + s.memoryMib()) / t.memoryMib();
            dims++;
        }
        if (s.gpuMillis() > 0 && a.gpuCount() > 0) {
            double used = (double) a.usedGpuMillis() + s.gpuMillis();
            sum += used / (a.gpuCount() * 1000.0);
            dims++;
        }
        return dims == 0 ? 0 : sum / dims;
    }
}
