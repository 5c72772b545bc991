package dev.steward.allocator.state;

import dev.steward.allocator.placement.AgentLedger;
import dev.steward.api.AgentInfo;
import dev.steward.api.AgentRegistration;
import dev.steward.api.AgentStatus;
import dev.steward.api.AllocateRequest;
import dev.steward.api.AllocationInfo;
import dev.steward.api.Constraint;
import dev.steward.api.RequestInfo;
import dev.steward.api.RequestState;
import dev.steward.api.ResourceAmounts;
import dev.steward.api.Resources;
import dev.steward.api.RoleSpec;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Many seeded random sequences of register / request / release / renew / expire / agent-lost /
 * drain / agent back changed (maybe smaller than what it runs) / role changes; after every step:
 * no agent over-committed unless it came back smaller, and then it takes nothing new, no port shared, no role over
 * its limit (a role whose limit an admin lowered below its holdings may not grow until it is
 * under again), the sorter agrees with the allocations, every pending request says why.
 * A failure prints its seed; replay one with -Dsteward.seed=SEED.
 */
class StateInvariantsPropertyTest {
    private static final int SEQUENCES = Integer.getInteger("steward.sequences", 300);
    private static final int STEPS = 120;

    @Test
    void invariants_hold_after_every_step_of_random_sequences() {
        dev.steward.allocator.Seeds.forEach(SEQUENCES, this::run);
    }

    private void run(long seed) {
        Random rnd = new Random(seed);
        StateFixture f = new StateFixture(StateConfig.DEFAULTS.withHeartbeatGrace(Duration.ofSeconds(10)));
        List<String> roles = new ArrayList<>(List.of(ClusterState.DEFAULT_ROLE));
        Set<String> silent = new HashSet<>();
        int agents = 0;
        Map<String, Resources> heldBefore = new HashMap<>();
        Set<String> liveBefore = new HashSet<>();
        for (int step = 0; step < STEPS; step++) {
            int op = rnd.nextInt(100);
            String what;
            if (op < 12 || agents == 0) {
                what = "register";
                register(f, rnd, agents++);
            } else if (op < 40) {
                what = "request";
                String role = roles.get(rnd.nextInt(roles.size()));
                f.state.submit(role, randomRequest(rnd), f.now);
            } else if (op < 52) {
                what = "release";
                pick(rnd, live(f)).ifPresent(a -> f.state.release(a.id(), "test", f.now));
            } else if (op < 60) {
                what = "renew";
                pick(rnd, live(f)).ifPresent(a -> f.state.renew(a.id(), Duration.ofSeconds(5 + rnd.nextInt(60)), f.now));
            } else if (op < 64) {
                what = "cancel";
                pick(rnd, new ArrayList<>(f.state.requests())).ifPresent(r -> f.state.cancel(r.id(), f.now));
            } else if (op < 70) {
                what = "drain";
                AgentInfo a = pick(rnd, new ArrayList<>(f.state.agents())).orElseThrow();
                f.state.setDraining(a.id(), !a.draining(), f.now);
            } else if (op < 76) {
                what = "go silent";
                pick(rnd, new ArrayList<>(f.state.agents())).ifPresent(a -> silent.add(a.id()));
            } else if (op < 80) {
                what = "come back";
                pick(rnd, new ArrayList<>(silent)).ifPresent(silent::remove);
            } else if (op < 83) {
                what = "agent back changed"; // its machine or flags changed: it may now be smaller than what it runs
                pick(rnd, new ArrayList<>(f.state.agents())).ifPresent(a -> f.state.updateAgent(a.id(),
                        randomAgent(rnd, Integer.parseInt(a.name().substring(1))).parse(), f.now));
            } else if (op < 85) {
                what = "role";
                String name = "r" + rnd.nextInt(4);
                ResourceAmounts limit = rnd.nextBoolean() ? null : new ResourceAmounts(String.valueOf(1 + rnd.nextInt(16)), (1 + rnd.nextInt(32)) + "g", null, null, null);
                ResourceAmounts guarantee = rnd.nextInt(4) == 0 ? new ResourceAmounts("1", "1g", null, null, null) : null;
                if (limit != null && guarantee != null) {
                    guarantee = null;
                }
                f.state.putRole(name, new RoleSpec(1.0 + rnd.nextInt(3), guarantee, limit).parse());
                if (!roles.contains(name)) {
                    roles.add(name);
                }
            } else {
                what = "time passes";
                f.advance(Duration.ofSeconds(1 + rnd.nextInt(8)));
                for (AgentInfo a : List.copyOf(f.state.agents())) {
                    if (!silent.contains(a.id())) {
                        f.state.heartbeat(a.id(), null, f.now);
                    }
                }
                f.state.tick(f.now);
            }
            f.state.schedule(f.now);
            f.state.commit();
            heldBefore = check(f, "step " + step + " (" + what + ")", heldBefore, liveBefore);
        }
    }

    private static void register(StateFixture f, Random rnd, int n) {
        f.state.registerAgent(randomAgent(rnd, n).parse(), "h" + n, f.now);
    }

    /** A random machine named m{@code n}: 1 to 16 cpus, 1 to 32g, sometimes GPUs or FPGAs, a few ports, a zone and an os. */
    static AgentRegistration randomAgent(Random rnd, int n) {
        int gpus = rnd.nextInt(4) == 0 ? 1 + rnd.nextInt(4) : 0;
        int portFrom = 20000 + n * 10;
        Map<String, String> attrs = Map.of("zone", "z" + rnd.nextInt(3), "os", rnd.nextBoolean() ? "linux" : "windows");
        AgentRegistration reg = new AgentRegistration("m" + n, String.valueOf(1 + rnd.nextInt(16)), (1 + rnd.nextInt(32)) + "g", "100g",
                gpus, gpus > 0 ? (rnd.nextBoolean() ? "V100M32" : "A100") : null, rnd.nextBoolean() ? Map.of("fpga", 2L) : null,
                portFrom + "-" + (portFrom + 2 + rnd.nextInt(6)), attrs);
        return reg;
    }

    static AllocateRequest randomRequest(Random rnd) {
        String[] cpus = {"0.5", "1", "2", "4", "250m"};
        String[] mem = {"256m", "1g", "2g", "4g", "8g"};
        String gpus = null;
        String model = null;
        int g = rnd.nextInt(10);
        if (g == 0) {
            gpus = "0.5";
        } else if (g == 1) {
            gpus = "1";
            model = rnd.nextBoolean() ? "V100M16|V100M32" : null;
        }
        List<String> ports = rnd.nextInt(3) == 0 ? List.of("http", "admin").subList(0, 1 + rnd.nextInt(2)) : null;
        List<Constraint> cs = new ArrayList<>();
        if (rnd.nextInt(5) == 0) {
            cs.add(Constraint.eq("os", "linux"));
        }
        if (rnd.nextInt(5) == 0) {
            cs.add(Constraint.distinct());
        }
        Map<String, Long> scalars = rnd.nextInt(8) == 0 ? Map.of("fpga", 1L) : null;
        return new AllocateRequest(null, null, 1 + rnd.nextInt(4), cpus[rnd.nextInt(cpus.length)], mem[rnd.nextInt(mem.length)], null, gpus, model,
                ports, scalars, cs, rnd.nextBoolean() ? "binpack" : "spread", rnd.nextInt(100), rnd.nextBoolean(), rnd.nextInt(4) == 0,
                (10 + rnd.nextInt(50)) + "s");
    }

    private static List<AllocationInfo> live(StateFixture f) {
        return f.state.allocations().stream().filter(a -> !a.state().terminal()).toList();
    }

    private static <T> java.util.Optional<T> pick(Random rnd, List<T> xs) {
        return xs.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(xs.get(rnd.nextInt(xs.size())));
    }

    private static Map<String, Resources> check(StateFixture f, String where, Map<String, Resources> heldBefore, Set<String> liveBefore) {
        Map<String, Resources> byAgent = new HashMap<>();
        Map<String, Resources> byRole = new HashMap<>();
        Map<String, Set<Integer>> ports = new HashMap<>();
        Map<String, int[]> gpus = new HashMap<>();
        Map<String, Long> goneGpus = new HashMap<>(); // GPU shares held on devices an agent no longer has: not in its ledger
        for (AllocationInfo a : live(f)) {
            AgentInfo agent = f.state.agent(a.agentId());
            assertThat(agent.status()).as("%s: live allocation %s on lost agent", where, a.id()).isEqualTo(AgentStatus.READY);
            byAgent.merge(a.agentId(), a.resources(), Resources::plus);
            byRole.merge(a.role(), a.resources(), Resources::plus);
            for (int p : a.ports().values()) {
                assertThat(ports.computeIfAbsent(a.agentId(), k -> new HashSet<>()).add(p)).as("%s: port %d shared on agent %s", where, p, a.agentId()).isTrue();
                if (!liveBefore.contains(a.id())) { // one placed before its agent came back with other ranges keeps its port
                    assertThat(agent.ports().stream().anyMatch(r -> p >= r.from() && p <= r.to())).as("%s: port %d outside the agent's ranges", where, p).isTrue();
                }
            }
            int[] dev = gpus.computeIfAbsent(a.agentId(), k -> new int[agent.gpus()]);
            for (int g : a.gpuIndexes()) {
                if (g < dev.length) { // a device the agent no longer has is not counted
                    dev[g] += a.resources().gpuMillis() >= 1000 ? 1000 : (int) a.resources().gpuMillis();
                } else {
                    assertThat(liveBefore).as("%s: new allocation %s on GPU %d the agent does not have", where, a.id(), g).contains(a.id());
                    goneGpus.merge(a.agentId(), a.resources().gpuMillis() >= 1000 ? 1000L : a.resources().gpuMillis(), Long::sum);
                }
            }
            if (!a.resources().scalars().isEmpty() || a.resources().gpuMillis() > 0) {
                assertThat(a.gpuIndexes().size()).as("%s: GPU devices of %s", where, a.id())
                        .isEqualTo(a.resources().gpuMillis() == 0 ? 0 : (int) Math.max(1, a.resources().gpuMillis() / 1000));
            }
        }
        for (AgentLedger l : f.state.ledgers()) {
            Resources held = byAgent.getOrDefault(l.id(), Resources.ZERO);
            if (held.fitsIn(l.total())) {
                assertThat(l.consistent()).as("%s: ledger of %s inconsistent", where, l.id()).isTrue();
            } else { // it came back smaller than what it runs: it keeps that, and takes nothing new of what it is over in
                Map<String, Long> h = Quotas.dims(held);
                Map<String, Long> t = Quotas.dims(l.total());
                for (AllocationInfo a : live(f)) {
                    if (a.agentId().equals(l.id()) && !liveBefore.contains(a.id())) {
                        // GPUs are held per device, and each device present is checked below; held on gone devices, they are no one's room
                        Quotas.dims(a.resources()).forEach((dim, v) -> assertThat(!dim.equals("gpus") && v > 0 && h.get(dim) > t.getOrDefault(dim, 0L)).as(
                                "%s: agent %s holds %s of %s, yet took %s with %s %d", where, l.id(), held, l.total(), a.id(), dim, v).isFalse());
                    }
                }
            }
            Resources counted = held.minus(new Resources(0, 0, 0, goneGpus.getOrDefault(l.id(), 0L), Map.of()));
            assertThat(l.used().minus(counted).isZero()).as("%s: ledger of %s says %s, allocations hold %s", where, l.id(), l.used(), counted).isTrue();
            for (int d : gpus.getOrDefault(l.id(), new int[0])) {
                assertThat(d).as("%s: GPU device over-committed on %s", where, l.id()).isLessThanOrEqualTo(1000);
            }
        }
        for (RoleRecord r : f.state.roles()) {
            Resources held = byRole.getOrDefault(r.name(), Resources.ZERO);
            if (Quotas.limitReason(r, held, Resources.ZERO) != null) {
                Resources before = heldBefore.getOrDefault(r.name(), Resources.ZERO);
                assertThat(held.fitsIn(before)).as("%s: role %s over its limit %s and still grew: %s -> %s", where, r.name(), r.limit(), before, held).isTrue();
            }
            assertThat(f.state.sorter().allocation(r.name()).minus(held).isZero()).as("%s: sorter disagrees for role %s", where, r.name()).isTrue();
        }
        liveBefore.clear();
        live(f).forEach(a -> liveBefore.add(a.id()));
        for (RequestInfo r : f.state.requests()) {
            if (r.state() == RequestState.PENDING) {
                assertThat(r.why()).as("%s: pending request %s has no reason", where, r.id()).isNotNull();
                assertThat(r.why().summary()).as("%s: pending request %s has an empty reason", where, r.id()).isNotBlank();
            }
        }
        return byRole;
    }
}
