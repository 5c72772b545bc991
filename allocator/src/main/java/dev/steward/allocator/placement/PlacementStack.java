package dev.steward.allocator.placement;

import dev.steward.api.Placement;
import dev.steward.api.PlacementDiagnosis;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The placement pipeline: feasibility filters, then scoring, then choice. Pure: it reads the
 * ledgers and returns a {@link Choice} (agent, GPU devices, ports) or the rejection counts.
 */
public final class PlacementStack {
    /** Filters that no eviction can change: they hold whatever the agent runs. */
    private final FeasibilityFilter[] standing = {
            Filters.ELIGIBLE,      // lost agents and draining agents take nothing new
            Filters.CONSTRAINTS,   // attribute constraints: =, !=, in, regex
            Filters.DISTINCT,      // distinct agents (or attribute values) within one request
            Filters.GPU_MODEL};    // GPU model among those asked for

    /** Filters of free capacity, which preemption can change. */
    private final FeasibilityFilter[] capacity = {
            Filters.RESOURCES,     // cpus, memory, disk, named scalars
            Filters.GPUS,          // whole free devices, or room on one for a share
            Filters.PORTS};        // enough free ports in the agent's ranges

    /** The scorers for bin-packing and spreading, summed. */
    public static final Map<Placement, List<Scorer>> DEFAULT_SCORERS = Map.of(
            Placement.BINPACK, List.of(
                    Scorers.BINPACK,         // fill the tightest resource of the fullest agent
                    Scorers.GPU_AFFINITY,    // keep free GPUs for GPU work
                    Scorers.GPU_SHARE_FIT,   // pack GPU shares onto shared devices
                    Scorers.ANTI_AFFINITY),  // a service's instances on different agents first
            Placement.SPREAD, List.of(
                    Scorers.SPREAD,          // the emptiest agent first
                    Scorers.GPU_AFFINITY,
                    Scorers.GPU_SHARE_FIT,
                    Scorers.ANTI_AFFINITY));

    private final Map<Placement, List<Scorer>> scorers;

    public PlacementStack() {
        this(DEFAULT_SCORERS);
    }

    /** A stack with other scorers, e.g. to compare scoring policies in a benchmark. */
    public PlacementStack(Map<Placement, List<Scorer>> scorers) {
        this.scorers = scorers;
    }

    /** Where one allocation goes. */
    public record Choice(AgentLedger agent, List<Integer> gpus, Map<String, Integer> ports, double score) {
    }

    /** A choice, or the reasons every agent was turned away. */
    public record Outcome(Choice choice, int evaluated, Map<String, Integer> rejections) {
        public boolean placed() {
            return choice != null;
        }

        public PlacementDiagnosis diagnosis(Instant at, String blockedBy) {
            return new PlacementDiagnosis(at, evaluated, rejections, blockedBy, summarize(evaluated, rejections, blockedBy));
        }
    }

    /**
     * Places one allocation of {@code ask} on the best feasible agent among {@code agents}.
     * The reasons are only counted when nothing fits (a second pass), so a successful
     * placement costs one scan without bookkeeping.
     */
    public Outcome placeOne(PlacementAsk ask, Iterable<AgentLedger> agents) {
        Scorer[] rank = scorers.get(ask.ask().placement()).toArray(new Scorer[0]);
        AgentLedger best = null;
        double bestScore = Double.NEGATIVE_INFINITY;
        int evaluated = 0;
        for (AgentLedger a : agents) {
            evaluated++;
            if (firstRejection(a, ask) != null) {
                continue;
            }
            double s = 0;
            for (int i = 0; i < rank.length; i++) {
                s += rank[i].score(a, ask);
            }
            if (s > bestScore) {
                bestScore = s;
                best = a;
            }
        }
        if (best == null) {
            Tally tally = new Tally();
            for (AgentLedger a : agents) {
                tally.add(firstRejection(a, ask));
            }
            return new Outcome(null, evaluated, tally.counts());
        }
        Choice c = new Choice(best, best.pickGpus(ask.ask().shape().gpuMillis()), best.pickPorts(ask.ask().ports()), bestScore);
        return new Outcome(c, evaluated, Map.of());
    }

    /**
     * The same choice as a full scan, found through the {@link FillIndex}: buckets are visited
     * fullest first (bin-packing) or emptiest first (spreading), and a bucket is skipped when
     * the best score any of its agents could reach is no better than the best found. The bounds
     * hold for the default scorers (fill in [0, 1], GPU affinity at most 0, share fit at most
     * 0.5, anti-affinity at most 0); a stack with other scorers scans everything.
     */
    public Outcome placeOne(PlacementAsk ask, FillIndex index) {
        if (scorers != DEFAULT_SCORERS) {
            return placeOne(ask, all(index));
        }
        Scorer[] rank = scorers.get(ask.ask().placement()).toArray(new Scorer[0]);
        boolean spread = ask.ask().placement() == Placement.SPREAD;
        long g = ask.ask().shape().gpuMillis();
        double bonus = g > 0 && g < 1000 ? 0.5 : 0.0;
        long cpuNeed = ask.ask().shape().cpuMillis();
        long memoryNeed = ask.ask().shape().memoryMib();
        double cpu = cpuNeed;
        double mem = memoryNeed;
        AgentLedger best = null;
        double bestScore = Double.NEGATIVE_INFINITY;
        java.util.Set<String> models = ask.ask().gpuModels();
        // the shelves that can hold the GPUs asked for, the buckets any of them has agents in, and
        // the most one allocation can add to a fill on any of them
        List<FillIndex.Shelf> all = index.shelves();
        FillIndex.Shelf[] shelves = new FillIndex.Shelf[all.size()];
        int count = 0;
        long occupied = 0;
        double most = 0;
        for (int i = 0, n = all.size(); i < n; i++) {
            FillIndex.Shelf shelf = all.get(i);
            if (shelf.occupied() == 0 || (g > 0 && (shelf.gpus * 1000L < g || (!models.isEmpty() && !models.contains(shelf.gpuModel))))) {
                continue; // empty, or no agent of this shelf has the GPUs asked for
            }
            shelves[count++] = shelf;
            occupied |= shelf.occupied();
            most = Math.max(most, Math.max(cpu / shelf.minCpuAll(), mem / shelf.minMemoryAll()));
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
                if ((shelf.occupied() & (1L << b)) == 0) {
                    continue;
                }
                List<AgentLedger> bucket = shelf.bucket(b);
                List<List<AgentLedger>> idle = b == 0 ? shelf.idleGroups() : List.of();
                double share = bonus == 0 ? 0 : 0.5 * Math.min(1000, shelf.maxDeviceUsed(b) + g) / 1000.0;
                double bound = spread ? 1.0 - FillIndex.low(b) + share
                        : Math.min(1.0, FillIndex.high(b) + Math.max(cpu / shelf.minCpu(b), mem / shelf.minMemory(b))) + share;
                if (best != null && bound + 1e-9 <= bestScore) {
                    continue;
                }
                int n = bucket.isEmpty() || !shelf.mayFit(b, cpuNeed, memoryNeed) ? 0 : bucket.size(); // too full everywhere: unread
                for (int i = 0; i < n; i++) {
                    AgentLedger a = bucket.get(i);
                    if (a.freeCpu() < cpuNeed || a.freeMemory() < memoryNeed || (g > 0 && !a.fitsGpus(g))) {
                        continue; // too full: most agents of the fullest buckets are, and two reads say so (their reasons count only when nothing fits)
                    }
                    // score next: scorers are cheaper than filters, and a dominated agent needs no filtering
                    double s = 0;
                    for (Scorer sc : rank) {
                        s += sc.score(a, ask);
                    }
                    if (s > bestScore && firstRejection(a, ask) == null) {
                        bestScore = s;
                        best = a;
                    }
                }
                for (int j = 0, groups = idle.size(); j < groups; j++) {
                    List<AgentLedger> group = idle.get(j);
                    if (group.isEmpty()) {
                        continue;
                    }
                    // one machine type holding nothing: the same score on every agent but for anti-affinity (never positive)
                    AgentLedger first = group.get(0);
                    double top = ask.siblings().getOrDefault(first.id(), 0);
                    for (Scorer sc : rank) {
                        top += sc.score(first, ask);
                    }
                    if (top <= bestScore || Filters.RESOURCES.reject(first, ask) != null || Filters.GPUS.reject(first, ask) != null) {
                        continue; // no better than found, or too small: the group's free capacity is the same on every agent
                    }
                    for (int i = 0, m = group.size(); i < m; i++) {
                        AgentLedger a = group.get(i);
                        int siblings = ask.siblings().isEmpty() ? 0 : ask.siblings().getOrDefault(a.id(), 0);
                        if (top - siblings > bestScore && firstRejection(a, ask) == null) {
                            bestScore = top - siblings;
                            best = a;
                            if (siblings == 0) {
                                break; // none of the rest can score more
                            }
                        }
                    }
                }
            }
        }
        if (best == null) {
            Tally tally = new Tally();
            index.forEach(a -> tally.add(firstRejection(a, ask)));
            return new Outcome(null, index.size(), tally.counts());
        }
        Choice c = new Choice(best, best.pickGpus(g), best.pickPorts(ask.ask().ports()), bestScore);
        return new Outcome(c, index.size(), Map.of());
    }

    private static List<AgentLedger> all(FillIndex index) {
        return index.all();
    }

    /** Counts reasons; agents side by side in the index are often turned away for the same one. */
    private static final class Tally {
        private final Map<String, int[]> counts = new LinkedHashMap<>();
        private String last;
        private int[] lastCount;

        void add(String why) {
            if (why != last || lastCount == null) {
                last = why;
                lastCount = counts.computeIfAbsent(why, k -> new int[1]);
            }
            lastCount[0]++;
        }

        Map<String, Integer> counts() {
            Map<String, Integer> out = new LinkedHashMap<>();
            counts.forEach((k, v) -> out.put(k, v[0]));
            return out;
        }
    }

    /** The first filter's reason for turning {@code a} away, or null when it is feasible. */
    public String firstRejection(AgentLedger a, PlacementAsk ask) {
        String why = standingRejection(a, ask);
        return why != null ? why : capacityRejection(a, ask);
    }

    /** The reason from a filter no eviction can change, or null. */
    public String standingRejection(AgentLedger a, PlacementAsk ask) {
        return first(standing, a, ask);
    }

    /** The reason from a capacity filter, or null when the allocation fits now. */
    public String capacityRejection(AgentLedger a, PlacementAsk ask) {
        return first(capacity, a, ask);
    }

    private static String first(FeasibilityFilter[] fs, AgentLedger a, PlacementAsk ask) {
        for (int i = 0; i < fs.length; i++) {
            String why = fs[i].reject(a, ask);
            if (why != null) {
                return why;
            }
        }
        return null;
    }

    /** E.g. "1,200 agents: 700 insufficient memory, 480 GPU model mismatch, 20 draining". */
    public static String summarize(int evaluated, Map<String, Integer> rejections, String blockedBy) {
        if (blockedBy != null) {
            return blockedBy;
        }
        if (evaluated == 0) {
            return "no agents registered";
        }
        StringBuilder b = new StringBuilder(String.format("%,d agent%s: ", evaluated, evaluated == 1 ? "" : "s"));
        Map<Integer, List<String>> byCount = new TreeMap<>(java.util.Comparator.reverseOrder());
        rejections.forEach((k, v) -> byCount.computeIfAbsent(v, x -> new java.util.ArrayList<>()).add(k));
        String sep = "";
        for (Map.Entry<Integer, List<String>> e : byCount.entrySet()) {
            for (String reason : e.getValue().stream().sorted().toList()) {
                b.append(sep).append(String.format("%,d ", e.getKey())).append(reason);
                sep = ", ";
            }
        }
        return b.toString();
    }
}
