package dev.steward.allocator.metrics;

import dev.steward.allocator.placement.AgentLedger;
import dev.steward.allocator.state.ClusterState;
import dev.steward.allocator.state.RoleRecord;
import dev.steward.allocator.state.Stats;
import dev.steward.api.AgentInfo;
import dev.steward.api.AgentStatus;
import dev.steward.api.AllocationInfo;
import dev.steward.api.AllocationState;
import dev.steward.api.DeploymentInfo;
import dev.steward.api.DeploymentState;
import dev.steward.api.PackageInfo;
import dev.steward.api.RequestInfo;
import dev.steward.api.RequestState;
import dev.steward.api.Resources;
import dev.steward.api.RoleSpec;
import dev.steward.api.ServiceInfo;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the gauges show, counted in one read of the state (on the owner thread, at most once a
 * second however often Prometheus scrapes: {@link AllocatorMetrics}). Labels are bounded: states
 * and reasons are enums or fixed categories, roles are the admin's to create.
 */
record StateSample(long index, Map<String, Integer> agents, Map<AllocationState, Integer> allocations,
                   Map<List<String>, Integer> pending, List<Role> roles, Map<DeploymentState, Integer> deployments, int services,
                   int servicesShort, int packages, long packageBytes, Resources capacity, Resources allocated, Stats.Snapshot stats) {

    static final StateSample EMPTY = new StateSample(0, Map.of(), Map.of(), Map.of(), List.of(), Map.of(), 0, 0, 0, 0, Resources.ZERO, Resources.ZERO,
            new Stats().snapshot());

    /** A role's fairness figures: its weight, dominant share, and per resource the fraction of its guarantee and limit it holds. */
    record Role(String name, double weight, double dominantShare, Map<String, Double> guaranteeUsed, Map<String, Double> limitUsed) {
    }

    static StateSample of(ClusterState s) {
        Map<String, Integer> agents = new LinkedHashMap<>(Map.of("ready", 0, "draining", 0, "disk_pressure", 0, "lost", 0));
        Resources capacity = Resources.ZERO;
        Resources allocated = Resources.ZERO;
        for (AgentInfo a : s.agents()) {
            String k = a.status() == AgentStatus.LOST ? "lost" : a.draining() ? "draining"
                    : s.ledger(a.id()).diskPressure() ? "disk_pressure" : "ready";
            agents.merge(k, 1, Integer::sum);
            if (a.status() != AgentStatus.LOST) {
                AgentLedger l = s.ledger(a.id());
                capacity = capacity.plus(l.total());
                allocated = allocated.plus(l.used());
            }
        }
        Map<AllocationState, Integer> allocations = new EnumMap<>(AllocationState.class);
        for (AllocationState st : AllocationState.values()) {
            allocations.put(st, 0);
        }
        for (AllocationInfo a : s.allocations()) {
            allocations.merge(a.state(), 1, Integer::sum);
        }
        Map<List<String>, Integer> pending = new TreeMap<>(java.util.Comparator.comparing((List<String> k) -> k.get(0)).thenComparing(k -> k.get(1)));
        for (RequestInfo r : s.requests()) {
            if (r.state() == RequestState.PENDING) {
                pending.merge(List.of(r.role(), r.why() == null ? "not_tried_yet" : Stats.reason(r.why())), 1, Integer::sum);
            }
        }
        List<Role> roles = new java.util.ArrayList<>();
        for (RoleRecord r : s.roles()) {
            Resources held = s.sorter().allocation(r.name());
            roles.add(new Role(r.name(), r.weight(), s.sorter().share(r.name()), used(held, r.guarantee(), 0), used(held, r.limit(), RoleSpec.UNLIMITED)));
        }
        Map<DeploymentState, Integer> deployments = new EnumMap<>(DeploymentState.class);
        for (DeploymentState st : DeploymentState.values()) {
            deployments.put(st, 0);
        }
        List<ServiceInfo> services = s.services().list();
        for (DeploymentInfo d : s.services().allDeployments()) {
            deployments.merge(d.state(), 1, Integer::sum);
        }
        int servicesShort = 0; // no rollout under way, and fewer available than wanted: a crash loop, losses not yet replaced, or no room
        for (ServiceInfo sv : services) {
            servicesShort += sv.deployment() == null && sv.deletingSince() == null && sv.available() < sv.instances() ? 1 : 0;
        }
        long bytes = 0;
        List<PackageInfo> packages = s.packages().list();
        for (PackageInfo p : packages) {
            bytes += p.size();
        }
        return new StateSample(s.index(), agents, allocations, pending, roles, deployments, services.size(), servicesShort, packages.size(), bytes, capacity, allocated,
                s.stats().snapshot());
    }

    /**
     * Per resource with a bound: what {@code held} is of {@code bound}. Resources the bound leaves
     * out (0 for a guarantee, unlimited for a limit) are not shown: there is nothing to use up.
     */
    static Map<String, Double> used(Resources held, Resources bound, long none) {
        Map<String, Double> out = new TreeMap<>();
        put(out, "cpus", held.cpuMillis(), bound.cpuMillis(), none);
        put(out, "memory", held.memoryMib(), bound.memoryMib(), none);
        put(out, "disk", held.diskMib(), bound.diskMib(), none);
        put(out, "gpus", held.gpuMillis(), bound.gpuMillis(), none);
        bound.scalars().forEach((k, v) -> put(out, k, held.scalars().getOrDefault(k, 0L), v, none));
        return out;
    }

    private static void put(Map<String, Double> out, String name, long held, long bound, long none) {
        if (bound > 0 && bound != none && bound < RoleSpec.UNLIMITED) {
            out.put(name, (double) held / bound);
        }
    }
}
