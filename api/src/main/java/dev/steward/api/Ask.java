package dev.steward.api;

import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * A validated {@link AllocateRequest}: {@code count} allocations of {@code shape} each, with
 * their ports, GPU models (empty = any), constraints, placement preference, priority,
 * preemptibility, gang (all-or-nothing) flag and lease TTL.
 */
public record Ask(String role, String name, int count, Resources shape, Set<String> gpuModels, List<String> ports,
                  List<Constraint> constraints, Placement placement, int priority, boolean preemptible, boolean gang, Duration ttl) {

    /** This ask at priority {@code p}. */
    public Ask withPriority(int p) {
        return new Ask(role, name, count, shape, gpuModels, ports, constraints, placement, p, preemptible, gang, ttl);
    }

    public Ask withRole(String r) {
        return new Ask(r, name, count, shape, gpuModels, ports, constraints, placement, priority, preemptible, gang, ttl);
    }

    /** The total this request asks for once fully placed. */
    public Resources total() {
        return shape.times(count);
    }
}
