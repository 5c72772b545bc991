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
 * per second (median of 3 runs, after both warmed up on every list), tasks placed, how many of those no real GPU
 * device could hold, agents used and stranded resources, and the ratios; and checks, for both
 * schedulers, that no machine was given more than it has and every task's GPU-model constraint
 * was honoured (exit 1 if either broke one).
 * <p>Usage: {@code PlacementBench [--nodes NODE_LIST.csv] [DIR | POD_LIST.csv ...]}: a directory
 * stands for every {@code openb_pod_list_*.csv} in it; the machines are {@code --nodes}, else
 * {@code openb_node_list_all_node.csv} beside the first task list. Default: the trace in
 * ../shared/traces/alibaba-gpu-v2023. {@code -Druns=N} sets the runs per scheduler (3).
 */
public final class PlacementBench {
    private PlacementBench() {
    }

    /** The machines and the task lists a command line names. */
    record Inputs(Path nodes, List<Path> podLists) {
    }

    static Inputs inputs(String[] args) throws java.io.IOException {
        Path nodes = null;
        List<Path> lists = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--nodes")) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("--nodes needs a file: the trace's openb_node_list_all_node.csv");
                }
                nodes = Path.of(args[++i]);
                continue;
            }
            Path p = Path.of(args[i]);
            if (Files.isDirectory(p)) {
                try (var s = Files.newDirectoryStream(p, "openb_pod_list_*.csv")) {
                    List<Path> found = new ArrayList<>();
                    s.forEach(found::add);
                    if (found.isEmpty()) {
                        throw new IllegalArgumentException(p + " holds no openb_pod_list_*.csv");
                    }
                    found.sort(java.util.Comparator.comparing(Path::toString));
                    lists.addAll(found);
                }
            } else if (Files.isRegularFile(p)) {
                lists.add(p);
            } else {
                throw new IllegalArgumentException(p + " is neither a task list nor a directory of openb_pod_list_*.csv");
            }
        }
        if (lists.isEmpty()) {
            return inputs(new String[] {locate()});
        }
        if (nodes == null) {
            nodes = lists.get(0).toAbsolutePath().resolveSibling("openb_node_list_all_node.csv");
        }
        if (!Files.isRegularFile(nodes)) {
            throw new IllegalArgumentException("no machine list at " + nodes + "; name it with --nodes FILE");
        }
        return new Inputs(nodes, lists);
    }

    public static void main(String[] args) throws Exception {
        Inputs in;
        try {
            in = inputs(args);
        } catch (IllegalArgumentException e) {
            System.err.println("PlacementBench: " + e.getMessage());
            System.err.println("usage: PlacementBench [--nodes NODE_LIST.csv] [DIR | POD_LIST.csv ...]");
            System.exit(2);
            return;
        }
        List<Trace.Node> nodes = Trace.nodes(in.nodes());
        System.out.printf("cluster: %,d machines, %,d GPUs (%s)%n", nodes.size(), nodes.stream().mapToInt(Trace.Node::gpus).sum(), in.nodes());
        boolean broken = false;
        // both schedulers warm up on every list first (so the first list is not also the JIT's
        // first sight of GPU asks), then each list is the median of RUNS fresh runs each,
        // alternating, each after a collection so neither pays for the other's garbage
        for (Path file : in.podLists()) {
            List<Trace.Pod> pods = Trace.pods(file);
            StewardRun.run(nodes, pods);
            FenzoRun.run(nodes, pods);
        }
        Quiet.jit();
        for (Path file : in.podLists()) {
            String w = file.getFileName().toString();
            List<Trace.Pod> pods = Trace.pods(file);
            List<Trace.Pod> shapes = distinctShapes(pods);
            List<Outcome> ss = new ArrayList<>();
            List<Outcome> fs = new ArrayList<>();
            for (int i = 0; i < RUNS; i++) {
                System.gc();
                ss.add(StewardRun.run(nodes, pods));
                System.gc();
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
            for (Outcome o : List.of(s, f)) {
                Outcome.Checks c = o.check();
                broken |= !c.ok();
                System.out.printf("  %-8s checks: %s%n", o.scheduler(), c);
            }
            long fReal = f.placed().size() - f.deviceInfeasible();
            System.out.printf("  steward/fenzo: throughput x%.1f; tasks placed %+d, or %+d counting only those a real GPU device can hold; agents used %+d%n",
                    s.placementsPerSecond() / f.placementsPerSecond(), s.placed().size() - f.placed().size(), s.placed().size() - fReal,
                    s.agentsUsed() - f.agentsUsed());
            tradeOff(nodes, pods, shapes, s);
        }
        if (broken) {
            System.exit(1);
        }
    }

    private static final int RUNS = Integer.getInteger("runs", 3);

    /**
     * What Steward's extra agents buy, measured: agents used for the same tasks (the list's first
     * half, which both place whole, so neither is judged on a full cluster), and Steward run
     * without its GPU affinity scorer, which is what keeps cpu-only work off GPU machines.
     */
    static void tradeOff(List<Trace.Node> nodes, List<Trace.Pod> pods, List<Trace.Pod> shapes, Outcome s) {
        List<Trace.Pod> half = pods.subList(0, pods.size() / 2);
        Outcome sh = StewardRun.run(nodes, half);
        Outcome fh = FenzoRun.run(nodes, half);
        System.out.printf("  same tasks (the list's first %,d): placed %,d / %,d; agents used steward %,d, fenzo %,d (%+d)%n", half.size(),
                sh.placed().size(), fh.placed().size(), sh.agentsUsed(), fh.agentsUsed(), sh.agentsUsed() - fh.agentsUsed());
        java.util.List<dev.steward.allocator.placement.Scorer> plain = java.util.List.of(dev.steward.allocator.placement.Scorers.BINPACK,
                dev.steward.allocator.placement.Scorers.GPU_SHARE_FIT, dev.steward.allocator.placement.Scorers.ANTI_AFFINITY);
        Outcome na = StewardRun.run(nodes, pods, new dev.steward.allocator.placement.PlacementStack(
                Map.of(dev.steward.api.Placement.BINPACK, plain, dev.steward.api.Placement.SPREAD, plain)), "steward-no-affinity");
        double[] n = na.stranded(nodes, shapes);
        System.out.printf("  the GPU affinity's price: without it steward would place %,d (%+d), use %,d agents (%+d) and strand %.2f GPUs (%+.2f)%n",
                na.placed().size(), na.placed().size() - s.placed().size(), na.agentsUsed(), na.agentsUsed() - s.agentsUsed(), n[2], n[2] - s.stranded(nodes, shapes)[2]);
    }

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
