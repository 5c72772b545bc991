package dev.steward.bench;

import java.util.List;
import java.util.Map;

/**
 * What one scheduler did with one workload: which node each placed pod went to, and how long
 * the placing took. Packing figures are computed from the assignments the same way for every
 * scheduler.
 */
record Outcome(String scheduler, Map<Trace.Pod, Trace.Node> placed, long nanos) {

    double placementsPerSecond() {
        return placed.size() / (nanos / 1e9);
    }

    /**
     * How many placed GPU-share tasks no single GPU device of their machine could hold: a
     * scheduler that pools a machine's GPUs into one number (Fenzo) can split a share across
     * devices, which a real device cannot run. Replayed in placement order, best fit per device.
     */
    long deviceInfeasible() {
        Map<Trace.Node, int[]> devices = new java.util.HashMap<>();
        long bad = 0;
        for (Map.Entry<Trace.Pod, Trace.Node> e : placed.entrySet()) {
            long g = e.getKey().gpuMillis();
            if (g == 0) {
                continue;
            }
            int[] d = devices.computeIfAbsent(e.getValue(), n -> new int[n.gpus()]);
            if (g < 1000) {
                int best = -1;
                for (int i = 0; i < d.length; i++) {
                    if (d[i] + g <= 1000 && (best < 0 || d[i] > d[best])) {
                        best = i;
                    }
                }
                if (best < 0) {
                    bad++;
                } else {
                    d[best] += (int) g;
                }
            } else {
                long want = g / 1000;
                List<Integer> free = new java.util.ArrayList<>();
                for (int i = 0; i < d.length && free.size() < want; i++) {
                    if (d[i] == 0) {
                        free.add(i);
                    }
                }
                if (free.size() < want) {
                    bad++;
                } else {
                    free.forEach(i -> d[i] = 1000);
                }
            }
        }
        return bad;
    }

    long agentsUsed() {
        return placed.values().stream().distinct().count();
    }

    /**
     * Free resources stranded on used nodes: a node's leftovers count when no task shape of the
     * workload fits into them any more (cpu, memory, pooled GPU thousandths and GPU model).
     */
    double[] stranded(List<Trace.Node> nodes, List<Trace.Pod> shapes) {
        Map<Trace.Node, long[]> used = new java.util.HashMap<>();
        placed.forEach((p, n) -> {
            long[] u = used.computeIfAbsent(n, k -> new long[3]);
            u[0] += p.cpuMillis();
            u[1] += p.memoryMib();
            u[2] += p.gpuMillis();
        });
        double cpu = 0;
        double mem = 0;
        double gpu = 0;
        for (Map.Entry<Trace.Node, long[]> e : used.entrySet()) {
            Trace.Node n = e.getKey();
            long fc = n.cpuMillis() - e.getValue()[0];
            long fm = n.memoryMib() - e.getValue()[1];
            long fg = n.gpus() * 1000L - e.getValue()[2];
            boolean anyFits = false;
            for (Trace.Pod s : shapes) {
                boolean model = s.gpuMillis() == 0 || s.gpuSpec().isEmpty() || (n.model() != null && List.of(s.gpuSpec().split("\\|")).contains(n.model()));
                if (s.cpuMillis() <= fc && s.memoryMib() <= fm && s.gpuMillis() <= fg && model) {
                    anyFits = true;
                    break;
                }
            }
            if (!anyFits) {
                cpu += fc / 1000.0;
                mem += fm / 1024.0;
                gpu += fg / 1000.0;
            }
        }
        return new double[] {cpu, mem, gpu};
    }
}
