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
    private final List<FeasibilityFilter> standing = List.of(
            Filters.ELIGIBLE,      // lost agents and draining agents take nothing new
            Filters.CONSTRAINTS,   // attribute constraints: =, !=, in, regex
            Filters.DISTINCT,      // distinct agents (or attribute values) within one request
            Filters.GPU_MODEL);    // GPU model among those asked for

    /** Filters of free capacity, which preemption can change. */
    private final List<FeasibilityFilter> capacity = List.of(
            Filters.RESOURCES,     // cpus, memory, disk, named scalars
            Filters.GPUS,          // whole free devices, or room on one for a share
            Filters.PORTS);        // enough free ports in the agent's ranges

    /** The scorers for bin-packing and spreading, summed. */
    private final Map<Placement, List<Scorer>> scorers = Map.of(
            Placement.BINPACK, List.of(Scorers.BINPACK, Scorers.GPU_AFFINITY),
            Placement.SPREAD, List.of(Scorers.SPREAD, Scorers.GPU_AFFINITY));

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

    /** Places one allocation of {@code ask} on the best feasible agent among {@code agents}. */
    public Outcome placeOne(PlacementAsk ask, Iterable<AgentLedger> agents) {
        List<Scorer> rank = scorers.get(ask.ask().placement());
        Map<String, Integer> rejected = new LinkedHashMap<>();
        AgentLedger best = null;
        double bestScore = Double.NEGATIVE_INFINITY;
        int evaluated = 0;
        for (AgentLedger a : agents) {
            evaluated++;
            String why = firstRejection(a, ask);
            if (why != null) {
                rejected.merge(why, 1, Integer::sum);
                continue;
            }
            double s = 0;
            for (Scorer sc : rank) {
                s += sc.score(a, ask);
            }
            if (s > bestScore) {
                bestScore = s;
                best = a;
            }
        }
        if (best == null) {
            return new Outcome(null, evaluated, rejected);
        }
        Choice c = new Choice(best, best.pickGpus(ask.ask().shape().gpuMillis()), best.pickPorts(ask.ask().ports()), bestScore);
        return new Outcome(c, evaluated, rejected);
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

    private static String first(List<FeasibilityFilter> fs, AgentLedger a, PlacementAsk ask) {
        for (FeasibilityFilter f : fs) {
            String why = f.reject(a, ask);
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
