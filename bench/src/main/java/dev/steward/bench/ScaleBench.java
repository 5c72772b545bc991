package dev.steward.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How the cost of one placement grows with cluster size: clusters of the trace's machine mix
 * at 1,523, 10,000, 30,000 and 100,000 agents, each taking the same 5,000 tasks of the cpu050 list
 * (fewer than any of these clusters can hold, so every placement succeeds and the figure is the
 * cost of choosing); Steward's figure is the median of seven runs (-Druns=N), after a warm-up on every size. Fenzo runs the
 * same (one run after a warm-up) where it finishes in reasonable time (up to 10,000).
 * Then the cost of the DRF order the scheduler asks for after each placement, at 10 to 10,000 roles.
 * Usage: ScaleBench [TRACE_DIR] [--plot FILE.svg] [-Dtasks=5000] [-Dfenzo.max=10000] [-Druns=7]
 */
public final class ScaleBench {
    /** Runs per size; the median is printed (-Druns=N). */
    private static final int RUNS = Integer.getInteger("runs", 7);

    private ScaleBench() {
    }

    public static void main(String[] args) throws Exception {
        Path plot = null;
        String trace = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--plot")) {
                if (i + 1 >= args.length) {
                    usage("--plot needs a file to write the SVG plot to, e.g. --plot placement-cost.svg");
                }
                plot = Path.of(args[++i]);
            } else if (trace == null && !args[i].startsWith("--")) {
                trace = args[i];
            } else {
                usage("unknown argument " + args[i]);
            }
        }
        Path dir = Path.of(trace != null ? trace : PlacementBench.locate());
        if (!java.nio.file.Files.isRegularFile(dir.resolve("openb_node_list_all_node.csv")) || !java.nio.file.Files.isRegularFile(dir.resolve("openb_pod_list_cpu050.csv"))) {
            usage(dir + " does not hold the trace's openb_node_list_all_node.csv and openb_pod_list_cpu050.csv");
        }
        List<Trace.Node> mix = Trace.nodes(dir.resolve("openb_node_list_all_node.csv"));
        List<Trace.Pod> all = Trace.pods(dir.resolve("openb_pod_list_cpu050.csv"));
        int taskCount = Integer.getInteger("tasks", 5000);
        int fenzoMax = Integer.getInteger("fenzo.max", 10_000);
        List<Trace.Pod> pods = new ArrayList<>(all.subList(0, Math.min(taskCount, all.size())));
        System.out.printf("%,d tasks from the cpu050 list on clusters of the trace's machine mix%n", pods.size());
        System.out.printf("%10s %16s %16s %18s %18s%n", "agents", "steward µs/place", "steward place/s", "fenzo µs/place", "steward/fenzo");
        double base = 0;
        int[] sizes = {mix.size(), 10_000, 30_000, 100_000};
        double[] stewardUs = new double[sizes.length];
        double[] fenzoUs = new double[sizes.length];
        java.util.Arrays.fill(fenzoUs, Double.NaN);
        for (int n : sizes) { // warm-up on every size first, so the first size is not also the JIT's
            StewardRun.run(cluster(mix, n), pods);
        }
        Quiet.jit();
        for (int k = 0; k < sizes.length; k++) {
            int n = sizes[k];
            List<Trace.Node> nodes = cluster(mix, n);
            List<Outcome> runs = new ArrayList<>();
            for (int i = 0; i < RUNS; i++) { // the median of RUNS, each after a collection
                System.gc();
                runs.add(StewardRun.run(nodes, pods));
            }
            Outcome s = PlacementBench.median(runs);
            double sUs = s.nanos() / 1e3 / s.placed().size();
            stewardUs[k] = sUs;
            String fenzo = "-";
            String ratio = "-";
            if (n <= fenzoMax) {
                FenzoRun.run(nodes, pods);
                Quiet.jit();
                System.gc();
                Outcome f = FenzoRun.run(nodes, pods);
                double fUs = f.nanos() / 1e3 / f.placed().size();
                fenzoUs[k] = fUs;
                fenzo = String.format("%,.1f", fUs);
                ratio = String.format("x%.1f", fUs / sUs);
            }
            if (base == 0) {
                base = sUs;
            }
            System.out.printf("%,10d %16.1f %,16.0f %18s %18s   (cost x%.1f for x%.1f agents)%n", n, sUs, s.placementsPerSecond(), fenzo, ratio,
                    sUs / base, n / (double) mix.size());
        }
        if (plot != null) {
            CostPlot.write(plot, sizes, List.of(new CostPlot.Series("Steward", "#1f77b4", stewardUs), new CostPlot.Series("Fenzo 1.0.1", "#d62728", fenzoUs)),
                    String.format("µs per placement, %,d cpu050 tasks, by cluster size", pods.size()));
            System.out.println("plot written to " + plot);
        }
        drf();
    }

    private static void usage(String why) {
        System.err.println("ScaleBench: " + why);
        System.err.println("usage: ScaleBench [TRACE_DIR] [--plot FILE.svg]   (-Dtasks=5000 -Dfenzo.max=10000 -Druns=7)");
        System.exit(2);
    }

    /**
     * The fairness order as the scheduler uses it: after every placement it asks the sorter for
     * the roles in order and serves the first with work. Here each round asks for the order and
     * gives the first role one more task's resources; printed per round, at 10 to 10,000 roles.
     */
    static void drf() {
        System.out.printf("%nDRF order, asked after every placement (as the scheduler does)%n");
        System.out.printf("%10s %16s %16s%n", "roles", "µs per round", "rounds/s");
        for (int roles : new int[] {10, 100, 1_000, 10_000}) {
            int rounds = Math.max(2_000, 2_000_000 / roles);
            double best = Double.MAX_VALUE;
            for (int run = 0; run < 5; run++) {
                dev.steward.allocator.fairness.DrfSorter sorter = new dev.steward.allocator.fairness.DrfSorter();
                sorter.setTotal(new dev.steward.api.Resources(1_000_000_000L, 4_000_000_000L, 0, 1_000_000L, java.util.Map.of()));
                for (int r = 0; r < roles; r++) {
                    sorter.add("role-" + r, 1 + r % 3, dev.steward.api.Resources.ZERO);
                }
                dev.steward.api.Resources task = new dev.steward.api.Resources(1000, 4096, 0, 0, java.util.Map.of());
                long t0 = System.nanoTime();
                for (int i = 0; i < rounds; i++) {
                    sorter.allocated(sorter.sort().get(0), task);
                }
                best = Math.min(best, (System.nanoTime() - t0) / 1e3 / rounds);
            }
            System.out.printf("%,10d %16.2f %,16.0f%n", roles, best, 1e6 / best);
        }
    }

    /** {@code n} machines cycling through the trace's mix, renamed so each is its own agent. */
    static List<Trace.Node> cluster(List<Trace.Node> mix, int n) {
        List<Trace.Node> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Trace.Node m = mix.get(i % mix.size());
            out.add(new Trace.Node("agent-" + i, m.cpuMillis(), m.memoryMib(), m.gpus(), m.model()));
        }
        return out;
    }
}
