package dev.steward.allocator.placement;

import dev.steward.api.Constraint;
import dev.steward.api.Resources;
import dev.steward.monitor.BoundedRegex;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/** The feasibility filters, one per concern, each returning a {@link Rejections} reason or null. */
public final class Filters {
    /** Compiled {@code regex} constraint values; tenants choose them, so the cache starts again past this many. */
    static final int MAX_PATTERNS = 4096;
    private static final Map<String, Pattern> PATTERNS = new ConcurrentHashMap<>();
    /** Patterns found too costly ({@link BoundedRegex}): they match no agent, and are not run again. */
    private static final Map<String, String> COSTLY = new ConcurrentHashMap<>();
    /**
     * What a pattern found in a value, for the next pass: a request that waits is tried again
     * over every agent at each release that gives room, and a pattern within its budget may still
     * read thousands of characters of each value; this way each distinct value costs it once.
     * Bounded: past this many it starts again.
     */
    static final int MAX_RESULTS = 65_536;
    private record Seen(String pattern, String value) {
    }
    private static final Map<Seen, Boolean> RESULTS = new ConcurrentHashMap<>();
    /**
     * What one {@code regex} constraint may read of one attribute value: placement runs it on the
     * state's owner thread for every agent it considers, so a pattern that backtracks without end
     * would stall the whole allocator. A linear pattern reads a value's characters a few times.
     */
    static final long REGEX_BASE = 10_000;
    static final long REGEX_PER_CHAR = 20;

    private Filters() {
    }

    /** A lost agent takes nothing; a draining one, or one whose disk is nearly full, takes nothing new. */
    public static final FeasibilityFilter ELIGIBLE = (a, ask) -> !a.ready() ? Rejections.LOST : a.draining() ? Rejections.DRAINING
            : a.diskPressure() ? Rejections.DISK_PRESSURE : null;

    /** Attribute constraints: =, !=, in, regex. */
    public static final FeasibilityFilter CONSTRAINTS = (a, ask) -> {
        if (ask.ask().constraints().isEmpty()) {
            return null;
        }
        for (Constraint c : ask.ask().constraints()) {
            Boolean holds = holds(c, a, ask.regex());
            if (holds == null) {
                return Rejections.constraint(c + " (not run on this agent this time: the role's regex constraints read " + RegexWork.PER_ROLE_PER_CYCLE
                        + " characters at most per scheduling pass; the agents not reached are tried at the next pass, due within a second)");
            }
            if (!holds) {
                String costly = c.parsedOp() == Constraint.Op.REGEX ? COSTLY.get(c.value()) : null;
                return costly != null ? Rejections.constraint(c + " (" + costly + ")") : Rejections.constraint(c.toString());
            }
        }
        return null;
    };

    /** Distinct: no two allocations of one request share an agent, or a value of the named attribute. */
    public static final FeasibilityFilter DISTINCT = (a, ask) -> {
        if (ask.distinctTaken().isEmpty()) {
            return null;
        }
        for (Constraint c : ask.ask().constraints()) {
            if (c.parsedOp() == Constraint.Op.DISTINCT) {
                String key = c.attribute() == null || c.attribute().isBlank() ? "agent" : c.attribute();
                Set<String> taken = ask.distinctTaken().getOrDefault(key, Set.of());
                String v = a.attribute(key);
                if (v != null && taken.contains(v)) {
                    return Rejections.DISTINCT;
                }
            }
        }
        return null;
    };

    /** The GPU model must be one of those asked for ("V100M16|V100M32"). */
    public static final FeasibilityFilter GPU_MODEL = (a, ask) -> {
        Set<String> models = ask.ask().gpuModels();
        if (ask.ask().shape().gpuMillis() == 0 || models.isEmpty()) {
            return null;
        }
        return a.gpuModel() != null && models.contains(a.gpuModel()) ? null : Rejections.GPU_MODEL;
    };

    /** Cpu, memory, disk and named scalars. */
    public static final FeasibilityFilter RESOURCES = (a, ask) -> {
        Resources s = ask.ask().shape();
        if (s.cpuMillis() > a.freeCpu()) {
            return Rejections.CPU;
        }
        if (s.memoryMib() > a.freeMemory()) {
            return Rejections.MEMORY;
        }
        if (s.diskMib() > a.freeDisk()) {
            return Rejections.DISK;
        }
        if (s.scalars().isEmpty()) {
            return null;
        }
        for (Map.Entry<String, Long> e : s.scalars().entrySet()) {
            if (e.getValue() > a.freeScalar(e.getKey())) {
                return Rejections.scalar(e.getKey());
            }
        }
        return null;
    };

    /** Whole free GPU devices, or room on one device for a share. */
    public static final FeasibilityFilter GPUS = (a, ask) -> {
        long g = ask.ask().shape().gpuMillis();
        if (g == 0) {
            return null;
        }
        return a.fitsGpus(g) ? null : Rejections.GPU;
    };

    /** Enough free ports in the agent's ranges. */
    public static final FeasibilityFilter PORTS = (a, ask) -> ask.ask().ports().size() > a.freePorts() ? Rejections.PORTS : null;

    /** {@link #finds(String, String, RegexWork)} with an allowance of its own. */
    static boolean finds(String pattern, String value) {
        return finds(pattern, value, RegexWork.perCycle());
    }

    /**
     * Whether the tenant's {@code pattern} is found in {@code value}, within {@link #REGEX_BASE};
     * a pattern past it matches nothing from then on. What it reads is charged to {@code work};
     * null (not run) once {@code work} is spent, unless the answer is known already.
     */
    static Boolean finds(String pattern, String value, RegexWork work) {
        if (COSTLY.containsKey(pattern)) {
            return false;
        }
        if (PATTERNS.size() >= MAX_PATTERNS) {
            PATTERNS.clear();
        }
        Seen key = new Seen(pattern, value);
        Boolean known = RESULTS.get(key);
        if (known != null) {
            return known;
        }
        if (work.spent()) {
            return null;
        }
        Pattern p = PATTERNS.computeIfAbsent(pattern, Pattern::compile);
        BoundedRegex.Budget budget = new BoundedRegex.Budget(REGEX_BASE, REGEX_PER_CHAR);
        try {
            boolean found = BoundedRegex.find(p, value, "value", budget);
            work.charge(budget.spent());
            if (RESULTS.size() >= MAX_RESULTS) {
                RESULTS.clear();
            }
            RESULTS.put(key, found);
            return found;
        } catch (BoundedRegex.TooCostly e) {
            work.charge(budget.spent());
            if (COSTLY.size() >= MAX_PATTERNS) {
                COSTLY.clear();
            }
            COSTLY.put(pattern, "the pattern backtracks without end: more than " + (REGEX_BASE + REGEX_PER_CHAR * value.length())
                    + " steps on one attribute value; write it so that no part of a value can be matched in more than one way");
            return false;
        }
    }

    /** Compiled patterns held now (for tests: the cache stays bounded whatever tenants send). */
    static int cachedPatterns() {
        return PATTERNS.size();
    }

    /** Results held now (for tests: bounded as the patterns are). */
    static int cachedResults() {
        return RESULTS.size();
    }

    /** Whether {@code a} meets {@code c}; null when a regex could not be run on it this cycle ({@code work} spent). */
    static Boolean holds(Constraint c, AgentLedger a, RegexWork work) {
        String v = a.attribute(c.attribute() == null ? "agent" : c.attribute());
        return switch (c.parsedOp()) {
            case EQ -> c.value().equals(v);
            case NE -> !c.value().equals(v);
            case IN -> v != null && c.inValues().contains(v);
            case REGEX -> v == null ? Boolean.FALSE : finds(c.value(), v, work);
            case DISTINCT -> true;
        };
    }
}
