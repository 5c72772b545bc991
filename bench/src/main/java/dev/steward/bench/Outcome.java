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
     * How many placed GPU tasks no GPU device of their machine could hold: a scheduler that
     * pools a machine's GPUs into one number (Fenzo) can split a share across devices, which
     * a real device cannot run. Per machine, the better of two packings counts: best fit in the
     * order the scheduler reported, and best fit decreasing (whole GPUs first, then the largest
     * shares), each taking the fullest device with room.
     */
    long deviceInfeasible() {
        Map<Trace.Node, List<Trace.Pod>> byNode = new java.util.HashMap<>();
        placed.forEach((p, n) -> {
            if (p.gpuMillis() > 0) {
                byNode.computeIfAbsent(n, k -> new java.util.ArrayList<>()).add(p);
            }
        });
        long bad = 0;
        for (Map.Entry<Trace.Node, List<Trace.Pod>> e : byNode.entrySet()) {
            List<Trace.Pod> decreasing = new java.util.ArrayList<>(e.getValue());
            decreasing.sort(java.util.Comparator.comparingLong(Trace.Pod::gpuMillis).reversed());
            bad += Math.min(unfit(e.getKey(), e.getValue()), unfit(e.getKey(), decreasing));
        }
        return bad;
    }

    /** Tasks that find no device when {@code ps} are packed in this order, best fit. */
    private static long unfit(Trace.Node node, List<Trace.Pod> ps) {
        long bad = 0;
        int[] d = new int[node.gpus()];
        for (Trace.Pod p : ps) {
            long g = p.gpuMillis();
            if (g >= 1000) {
                long want = g / 1000;
                for (int i = 0; i < d.length && want > 0; i++) {
                    if (d[i] == 0) {
                        d[i] = 1000;
                        want--;
                    }
                }
                bad += want > 0 ? 1 : 0;
                continue;
            }
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
        }
        return bad;
    }

    /** What a placement broke, if anything: agents given more than they have, tasks on a GPU model they did not allow. */
    record Checks(int overcommitted, int modelViolations, List<String> examples) {
        boolean ok() {
            return overcommitted == 0 && modelViolations == 0;
        }

        @Override
        public String toString() {
            return ok() ? "ok: no agent over-committed, every GPU-model constraint honoured"
                    : "BROKEN: " + overcommitted + " agents over-committed, " + modelViolations + " tasks on a GPU model they did not allow; e.g. " + examples;
        }
    }

    /** Checks every placed task against its machine: cpu, memory and pooled GPU thousandths within capacity, and the GPU model allowed. */
    Checks check() {
        Map<Trace.Node, long[]> used = new java.util.HashMap<>();
        List<String> examples = new java.util.ArrayList<>();
        int models = 0;
        for (Map.Entry<Trace.Pod, Trace.Node> e : placed.entrySet()) {
            Trace.Pod p = e.getKey();
            Trace.Node n = e.getValue();
            long[] u = used.computeIfAbsent(n, k -> new long[3]);
            u[0] += p.cpuMillis();
            u[1] += p.memoryMib();
            u[2] += p.gpuMillis();
            if (p.gpuMillis() > 0 && !p.gpuSpec().isEmpty() && (n.model() == null || !List.of(p.gpuSpec().split("\\|")).contains(n.model()))) {
                models++;
                if (examples.size() < 3) {
                    examples.add(p.name() + " (allows " + p.gpuSpec() + ") on " + n.name() + " (" + n.model() + ")");
                }
            }
        }
        int over = 0;
        for (Map.Entry<Trace.Node, long[]> e : used.entrySet()) {
            Trace.Node n = e.getKey();
            long[] u = e.getValue();
            if (u[0] > n.cpuMillis() || u[1] > n.memoryMib() || u[2] > n.gpus() * 1000L) {
                over++;
                if (examples.size() < 3) {
                    examples.add(n.name() + " holds " + u[0] + "m cpu, " + u[1] + " MiB, " + u[2] + " GPU thousandths of " + n.cpuMillis() + "m, "
                            + n.memoryMib() + " MiB, " + n.gpus() * 1000L);
                }
            }
        }
        return new Checks(over, models, examples);
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
