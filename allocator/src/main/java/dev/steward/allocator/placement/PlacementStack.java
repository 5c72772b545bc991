package dev.steward.allocator.placement;

import dev.steward.api.Ask;
import dev.steward.api.Constraint;
import dev.steward.api.Placement;
import dev.steward.api.PlacementDiagnosis;
import dev.steward.api.Resources;

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
    /** The scorers for bin-packing and spreading, summed. */
    public static final Map<Placement, List<Scorer>> DEFAULT_SCORERS = Map.of(
            Placement.BINPACK, List.of(
                    Scorers.BINPACK,         // the fullest agent after it, by the mean of cpu and memory fill
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

    /**
     * A choice, or the reasons every agent was turned away. {@code remembered}: a failure answered
     * from the index's known failures, its reasons counted when the equal ask first failed.
     */
    public record Outcome(Choice choice, int evaluated, Map<String, Integer> rejections, boolean remembered) {
        public Outcome(Choice choice, int evaluated, Map<String, Integer> rejections) {
            this(choice, evaluated, rejections, false);
        }

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
     * The same choice as a full scan, found through the {@link FillIndex} ({@link IndexedSearch}:
     * buckets fullest first for bin-packing, emptiest first for spreading, skipping those that
     * cannot win). Its bounds hold for the default scorers; a stack with other scorers scans
     * everything.
     */
    public Outcome placeOne(PlacementAsk ask, FillIndex index) {
        FitKey key = FitKey.of(ask);
        if (key != null) {
            Outcome known = index.knownFailure(key);
            if (known != null) {
                return known;
            }
        }
        if (scorers != DEFAULT_SCORERS) {
            Outcome o = placeOne(ask, all(index));
            if (!o.placed() && key != null && !ask.regex().cut()) {
                index.failed(key, new Outcome(null, o.evaluated(), o.rejections(), true));
            }
            return o;
        }
        IndexedSearch search = new IndexedSearch(this, ask, scorers.get(ask.ask().placement()).toArray(new Scorer[0])).run(index);
        AgentLedger best = search.best();
        if (best == null) {
            Tally tally = new Tally();
            index.forEach(a -> tally.add(firstRejection(a, ask)));
            Outcome o = new Outcome(null, index.size(), tally.counts());
            if (key != null && !ask.regex().cut()) { // agents a pattern was not run on this cycle may still match it
                index.failed(key, new Outcome(null, o.evaluated(), o.rejections(), true));
            }
            return o;
        }
        Choice c = new Choice(best, best.pickGpus(ask.ask().shape().gpuMillis()), best.pickPorts(ask.ask().ports()), search.bestScore());
        return new Outcome(c, index.size(), Map.of());
    }

    /**
     * What the filters read of an ask, so two asks with equal keys are turned away by the same
     * agents for the same reasons: the shape, the GPU models, how many ports, the constraints.
     * A filter that reads more of the ask must add it here. Null for an ask with agents or
     * values already taken by its request's {@code distinct} constraints (not remembered).
     */
    record FitKey(Resources shape, java.util.Set<String> gpuModels, int ports, List<Constraint> constraints) {
        static FitKey of(PlacementAsk pa) {
            if (!pa.distinctTaken().isEmpty()) {
                return null;
            }
            Ask a = pa.ask();
            return new FitKey(a.shape(), a.gpuModels(), a.ports().size(), a.constraints());
        }
    }

    private static List<AgentLedger> all(FillIndex index) {
        return index.all();
    }

    /**
     * Counts reasons. There are few distinct ones and most are the same constant strings
     * ({@link Rejections}), so a short array searched by identity first beats a hash map: a
     * failed placement counts one reason per agent.
     */
    private static final class Tally {
        private String[] reasons = new String[8];
        private int[] counts = new int[8];
        private int size;

        void add(String why) {
            for (int i = 0; i < size; i++) {
                if (reasons[i] == why) {
                    counts[i]++;
                    return;
                }
            }
            for (int i = 0; i < size; i++) {
                if (java.util.Objects.equals(reasons[i], why)) {
                    counts[i]++;
                    return;
                }
            }
            if (size == reasons.length) {
                reasons = java.util.Arrays.copyOf(reasons, size * 2);
                counts = java.util.Arrays.copyOf(counts, size * 2);
            }
            reasons[size] = why;
            counts[size++] = 1;
        }

        Map<String, Integer> counts() {
            Map<String, Integer> out = new LinkedHashMap<>();
            for (int i = 0; i < size; i++) {
                out.put(reasons[i], counts[i]);
            }
            return out;
        }
    }

    /** The first filter's reason for turning {@code a} away, or null when it is feasible. */
    public String firstRejection(AgentLedger a, PlacementAsk ask) {
        String why = standingRejection(a, ask);
        return why != null ? why : capacityRejection(a, ask);
    }

    /**
     * The reason from a filter no eviction can change, or null. Each filter is called at a call
     * site of its own (not through an array), so the JIT inlines it: a failed placement asks
     * this of every agent.
     */
    public String standingRejection(AgentLedger a, PlacementAsk ask) {
        String why = Filters.ELIGIBLE.reject(a, ask);          // lost agents and draining agents take nothing new
        if (why == null) {
            why = Filters.CONSTRAINTS.reject(a, ask);          // attribute constraints: =, !=, in, regex
        }
        if (why == null) {
            why = Filters.DISTINCT.reject(a, ask);             // distinct agents (or attribute values) within one request
        }
        if (why == null) {
            why = Filters.GPU_MODEL.reject(a, ask);            // GPU model among those asked for
        }
        return why;
    }

    /** The reason from a filter of free capacity (which preemption can change), or null when the allocation fits now. */
    public String capacityRejection(AgentLedger a, PlacementAsk ask) {
        String why = Filters.RESOURCES.reject(a, ask);         // cpus, memory, disk, named scalars
        if (why == null) {
            why = Filters.GPUS.reject(a, ask);                 // whole free devices, or room on one for a share
        }
        if (why == null) {
            why = Filters.PORTS.reject(a, ask);                // enough free ports in the agent's ranges
        }
        return why;
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
