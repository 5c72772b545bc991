package dev.steward.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Packs each task list of the Alibaba GPU trace, all tasks at once, onto the trace's machines:
 * first with Steward's placement pipeline, then with Fenzo, in the same JVM. Prints placements
 * per second (median of 3 runs after a warm-up), tasks placed, how many of those no real GPU
 * device could hold, agents used and stranded resources, and the ratios.
 * Usage: PlacementBench [TRACE_DIR] (default ../shared/traces/alibaba-gpu-v2023).
 */
public final class PlacementBench {
    private PlacementBench() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args.length > 0 ? args[0] : locate());
        List<Trace.Node> nodes = Trace.nodes(dir.resolve("openb_node_list_all_node.csv"));
        System.out.printf("cluster: %,d machines, %,d GPUs (%s)%n", nodes.size(), nodes.stream().mapToInt(Trace.Node::gpus).sum(), dir);
        for (String w : List.of("openb_pod_list_cpu050.csv", "openb_pod_list_multigpu20.csv", "openb_pod_list_gpuspec20.csv")) {
            List<Trace.Pod> pods = Trace.pods(dir.resolve(w));
            List<Trace.Pod> shapes = distinctShapes(pods);
            // one warm-up run each, then the median of RUNS fresh runs each, alternating
            StewardRun.run(nodes, pods);
            FenzoRun.run(nodes, pods);
            List<Outcome> ss = new ArrayList<>();
            List<Outcome> fs = new ArrayList<>();
            for (int i = 0; i < RUNS; i++) {
                ss.add(StewardRun.run(nodes, pods));
                fs.add(FenzoRun.run(nodes, pods));
            }
            Outcome s = median(ss);
            Outcome f = median(fs);
            System.out.printf("%nworkload %s: %,d tasks%n", w, pods.size());
            System.out.printf("  %-8s %14s %8s %12s %7s %15s %15s %13s %10s%n", "", "placements/s", "placed", "no-device", "agents", "stranded cpus",
                    "stranded GiB", "stranded GPUs", "time");
            for (Outcome o : List.of(s, f)) {
                double[] st = o.stranded(nodes, shapes);
                System.out.printf("  %-8s %,14.0f %,8d %,12d %,7d %,15.1f %,15.1f %,13.2f %8.1f ms%n", o.scheduler(), o.placementsPerSecond(), o.placed().size(),
                        o.deviceInfeasible(), o.agentsUsed(), st[0], st[1], st[2], o.nanos() / 1e6);
            }
            long fReal = f.placed().size() - f.deviceInfeasible();
            System.out.printf("  steward/fenzo: throughput x%.1f; tasks placed %+d, or %+d counting only those a real GPU device can hold; agents used %+d%n",
                    s.placementsPerSecond() / f.placementsPerSecond(), s.placed().size() - f.placed().size(), s.placed().size() - fReal,
                    s.agentsUsed() - f.agentsUsed());
        }
    }

    private static final int RUNS = Integer.getInteger("runs", 3);

    static Outcome median(List<Outcome> runs) {
        List<Outcome> sorted = new ArrayList<>(runs);
        sorted.sort(java.util.Comparator.comparingLong(Outcome::nanos));
        return sorted.get(sorted.size() / 2);
    }

    static List<Trace.Pod> distinctShapes(List<Trace.Pod> pods) {
        Map<String, Trace.Pod> m = new LinkedHashMap<>();
        for (Trace.Pod p : pods) {
            m.putIfAbsent(p.cpuMillis() + "/" + p.memoryMib() + "/" + p.gpuMillis() + "/" + p.gpuSpec(), p);
        }
        return new ArrayList<>(m.values());
    }

    static String locate() {
        for (String c : List.of("../shared/traces/alibaba-gpu-v2023", "../../shared/traces/alibaba-gpu-v2023")) {
            if (Files.isDirectory(Path.of(c))) {
                return c;
            }
        }
        throw new IllegalArgumentException("trace directory not found; pass it as the first argument");
    }
}
