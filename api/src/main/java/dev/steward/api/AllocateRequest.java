package dev.steward.api;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A request for {@code count} allocations of one resource shape: the {@code allocate} step's
 * arguments, the {@code steward allocate} flags and the body of {@code POST /v1/requests}.
 * Amounts are strings in user units. {@link #parse()} validates into an {@link Ask}.
 */
public record AllocateRequest(
        String role,
        String name,
        Integer count,
        String cpus,
        String memory,
        String disk,
        String gpus,
        String gpuModel,
        List<String> ports,
        Map<String, Long> scalars,
        List<Constraint> constraints,
        String placement,
        Integer priority,
        Boolean preemptible,
        Boolean gang,
        String ttl) {

    public static final String DEFAULT_CPUS = "0.1";
    public static final String DEFAULT_MEMORY = "128m";

    /** A request with just a shape; the rest defaulted. */
    public static AllocateRequest of(String cpus, String memory, int count) {
        return new AllocateRequest(null, null, count, cpus, memory, null, null, null, null, null, null, null, null, null, null, null);
    }

    /** This request at {@code p}: a service's instance when the service's priority changes. */
    public AllocateRequest withPriority(int p) {
        return new AllocateRequest(role, name, count, cpus, memory, disk, gpus, gpuModel, ports, scalars, constraints, placement, p, preemptible, gang, ttl);
    }

    /**
     * {@link #parse} for a new ask, from a client or a deploy: its cpus and memory are also held to
     * the least an allocation may have ({@link ResourceAmounts#parseAsk}). A stored request or
     * revision is read with {@link #parse} alone, so one taken before that still places (and the
     * agent caps its tasks at that least).
     */
    public Ask parseNew() {
        amounts().parseAsk();
        return parse();
    }

    private ResourceAmounts amounts() {
        return new ResourceAmounts(cpus == null ? DEFAULT_CPUS : cpus, memory == null ? DEFAULT_MEMORY : memory, disk, gpus, scalars);
    }

    public Ask parse() {
        String n = name == null ? "request" : Validation.name("name", name);
        int c = Validation.range("count", count, 1, Limits.MAX_COUNT, 1);
        Resources shape = amounts().parse(Resources.ZERO);
        Set<String> models = new LinkedHashSet<>();
        if (gpuModel != null && !gpuModel.isBlank()) {
            if (shape.gpuMillis() == 0) {
                throw new ValidationException("gpuModel", "is set but no gpus are asked for; add gpus");
            }
            Arrays.stream(gpuModel.split("\\|")).map(String::trim).filter(s -> !s.isEmpty()).forEach(models::add);
        }
        List<String> portNames = Validation.portNames(ports);
        List<Constraint> cs = new ArrayList<>();
        if (constraints != null) {
            if (constraints.size() > Limits.MAX_CONSTRAINTS) {
                throw new ValidationException("constraints", "has " + constraints.size() + " entries, above the limit of " + Limits.MAX_CONSTRAINTS);
            }
            for (int i = 0; i < constraints.size(); i++) {
                Constraint k = constraints.get(i);
                if (k == null) {
                    throw new ValidationException("constraints[" + i + "]", "is null");
                }
                try {
                    cs.add(k.validate());
                } catch (ValidationException e) {
                    throw e.under("constraints[" + i + "]");
                }
            }
        }
        java.time.Duration t = ttl == null ? Limits.DEFAULT_TTL : Units.duration("ttl", ttl);
        if (t.compareTo(Limits.MIN_TTL) < 0 || t.compareTo(Limits.MAX_TTL) > 0) {
            throw new ValidationException("ttl", "is " + Units.format(t) + "; it must be from 1s to 30d");
        }
        int prio = Validation.range("priority", priority, 0, Limits.MAX_PRIORITY, Limits.DEFAULT_PRIORITY);
        return new Ask(role, n, c, shape, Set.copyOf(models), List.copyOf(portNames), List.copyOf(cs), Placement.parse("placement", placement),
                prio, Boolean.TRUE.equals(preemptible), Boolean.TRUE.equals(gang), t);
    }
}
