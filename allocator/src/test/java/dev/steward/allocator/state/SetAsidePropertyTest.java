package dev.steward.allocator.state;

import dev.steward.api.AgentInfo;
import dev.steward.api.AgentRegistration;
import dev.steward.api.AllocateRequest;
import dev.steward.api.AllocationInfo;
import dev.steward.api.RequestInfo;
import dev.steward.api.RequestState;
import dev.steward.api.ResourceAmounts;
import dev.steward.api.RoleSpec;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Setting aside a request that found no place, until room may have grown, hides nothing that
 * could be placed. Many seeded random sequences (agents join, change, drain, go silent and come
 * back, report ports their host holds; requests of every shape, priority and gang; releases,
 * renewals, cancels, expiries; roles' weights, limits and guarantees changed) run with the
 * scheduler in its checking mode: every request it would skip is tried after all, and the run
 * fails if one is placed. A failure prints its seed; replay one with -Dsteward.seed=SEED.
 */
class SetAsidePropertyTest {
    private static final int SEQUENCES = Integer.getInteger("steward.sequences", 300);
    private static final int STEPS = 150;
    private long checked;

    @Test
    void a_request_set_aside_never_fits_until_room_grows() {
        dev.steward.allocator.Seeds.forEach(SEQUENCES, this::run);
        assertThat(checked).as("requests the cycles would have set aside, each tried and found still unplaceable").isGreaterThan(SEQUENCES);
    }

    @Test
    void a_backlog_that_fits_nowhere_is_tried_once_per_growth_not_per_command() {
        StateFixture f = new StateFixture();
        AgentInfo m = f.agent("m1", "4", "4g");
        f.role("other", 1.0, null, null);
        for (int i = 0; i < 50; i++) {
            f.submit(ClusterState.DEFAULT_ROLE, "1", (5000 + i) + "m", 1); // above the agent's memory, each its own ask
        }
        f.schedule();
        assertThat(failures(f)).isEqualTo(50);
        assertThat(f.state.setAsideCount()).isEqualTo(50);

        RequestInfo small = f.request("other", "1", "1g", 1); // another tenant's command: placed, and no room grew
        assertThat(small.state()).isEqualTo(RequestState.PLACED);
        f.role("other", 3.0, null, null); // a weight only orders
        f.schedule();
        assertThat(failures(f)).as("nothing tried again").isEqualTo(50);
        assertThat(f.state.stats().snapshot().setAside()).isGreaterThanOrEqualTo(100);

        f.role("other", 3.0, null, new ResourceAmounts("2", null, null, null, null)); // a limit changed: each is tried again, once
        f.schedule();
        f.schedule();
        assertThat(failures(f)).isEqualTo(100);

        f.state.release(f.live("other").get(0).id(), "done", f.now); // room grew, on an agent too small for any of them: none is tried
        f.schedule();
        assertThat(failures(f)).isEqualTo(100);
        AgentInfo big = f.agent("m2", "1", "6g"); // an agent large enough for each, but with 1 cpu: each is tried once, the first placed
        f.schedule();
        assertThat(failures(f)).isEqualTo(149);
        f.state.release(f.live(ClusterState.DEFAULT_ROLE).stream().filter(a -> a.agentId().equals(big.id())).findFirst().orElseThrow().id(), "done", f.now);
        f.schedule(); // room grew where they fit: each is tried, and the next placed
        f.schedule();
        assertThat(failures(f)).isEqualTo(149 + 48);
        assertThat(f.state.requests().stream().filter(r -> r.role().equals(ClusterState.DEFAULT_ROLE) && r.state() == RequestState.PENDING).count())
                .isEqualTo(48);

        f.state.updateAgent(m.id(), new AgentRegistration("m1", "4", "8g", null, null, null, null, null, null).parse(), f.now);
        f.schedule(); // the first agent grew to 8g: one more fits
        assertThat(f.state.requests().stream().filter(r -> r.role().equals(ClusterState.DEFAULT_ROLE) && r.state() == RequestState.PENDING).count())
                .isEqualTo(47);
    }

    @Test
    void a_backlog_is_not_tried_again_when_what_was_freed_is_less_than_one_of_its_units() {
        StateFixture f = new StateFixture();
        f.agent("m1", "4", "8g");
        f.role("other", 1.0, null, null);
        for (int i = 0; i < 4; i++) {
            assertThat(f.request("other", "1", "1g", 1).state()).isEqualTo(RequestState.PLACED); // the agent's 4 cpus, none preemptible
        }
        for (int i = 0; i < 50; i++) {
            f.submit(ClusterState.DEFAULT_ROLE, "2", (1000 + i) + "m", 1); // 2 cpus each: no room now
        }
        f.schedule();
        assertThat(failures(f)).isEqualTo(50);

        f.state.release(f.live("other").get(0).id(), "done", f.now); // 1 cpu free: less than any of them asks
        f.schedule();
        f.schedule();
        assertThat(failures(f)).as("none tried again for 1 cpu").isEqualTo(50);

        f.state.release(f.live("other").get(0).id(), "done", f.now); // 2 cpus free: each is tried once, the first placed
        f.schedule();
        f.schedule();
        assertThat(failures(f)).isEqualTo(50 + 49);
        assertThat(f.live(ClusterState.DEFAULT_ROLE)).hasSize(1);
    }

    private static long failures(StateFixture f) {
        return f.state.stats().snapshot().failedPlacements().values().stream().mapToLong(Long::longValue).sum();
    }

    private void run(long seed) {
        Random rnd = new Random(seed);
        StateFixture f = new StateFixture(StateConfig.DEFAULTS.withHeartbeatGrace(Duration.ofSeconds(10)));
        f.state.asideMode(Scheduler.AsideMode.CHECK);
        List<String> roles = new ArrayList<>(List.of(ClusterState.DEFAULT_ROLE));
        Set<String> silent = new HashSet<>();
        int agents = 0;
        List<String> log = new ArrayList<>();
        for (int step = 0; step < STEPS; step++) {
            int op = rnd.nextInt(100);
            log.add(step + ":" + op);
            if (op < 10 || agents == 0) {
                f.state.registerAgent(StateInvariantsPropertyTest.randomAgent(rnd, agents).parse(), "h" + agents, f.now);
                agents++;
            } else if (op < 40) {
                String role = roles.get(rnd.nextInt(roles.size()));
                f.state.submit(role, rnd.nextInt(4) == 0 ? large(rnd) : StateInvariantsPropertyTest.randomRequest(rnd), f.now);
            } else if (op < 52) {
                pick(rnd, live(f)).ifPresent(a -> f.state.release(a.id(), "test", f.now));
            } else if (op < 56) {
                pick(rnd, live(f)).ifPresent(a -> f.state.renew(a.id(), Duration.ofSeconds(5 + rnd.nextInt(60)), f.now));
            } else if (op < 60) {
                pick(rnd, new ArrayList<>(f.state.requests())).ifPresent(r -> f.state.cancel(r.id(), f.now));
            } else if (op < 64) {
                AgentInfo a = pick(rnd, new ArrayList<>(f.state.agents())).orElseThrow();
                f.state.setDraining(a.id(), !a.draining(), f.now);
            } else if (op < 68) {
                pick(rnd, new ArrayList<>(f.state.agents())).ifPresent(a -> silent.add(a.id()));
            } else if (op < 72) {
                pick(rnd, new ArrayList<>(silent)).ifPresent(silent::remove);
            } else if (op < 78) {
                String name = "r" + rnd.nextInt(4);
                ResourceAmounts limit = rnd.nextBoolean() ? null : new ResourceAmounts(String.valueOf(1 + rnd.nextInt(16)), (1 + rnd.nextInt(32)) + "g", null, null, null);
                ResourceAmounts guarantee = limit == null && rnd.nextInt(3) == 0 ? new ResourceAmounts(String.valueOf(1 + rnd.nextInt(4)), "1g", null, null, null) : null;
                f.state.putRole(name, new RoleSpec(1.0 + rnd.nextInt(3), guarantee, limit).parse());
                if (!roles.contains(name)) {
                    roles.add(name);
                }
            } else if (op < 82) {
                RoleRecord r = f.state.role(roles.get(rnd.nextInt(roles.size())));
                f.state.putRole(r.name(), new RoleSpec.Parsed(1.0 + rnd.nextInt(5), r.guarantee(), r.limit(), r.allowedUsers())); // weight only
            } else if (op < 86) {
                pick(rnd, new ArrayList<>(f.state.agents())).filter(a -> !silent.contains(a.id())).ifPresent(a -> {
                    List<Integer> busy = new ArrayList<>();
                    a.ports().forEach(pr -> {
                        for (int p = pr.from(); p <= pr.to(); p++) {
                            if (rnd.nextInt(3) == 0) {
                                busy.add(p);
                            }
                        }
                    });
                    f.state.heartbeat(a.id(), null, busy, f.now); // the host holds some lent ports, or gives them back
                });
            } else if (op < 89) {
                pick(rnd, new ArrayList<>(f.state.agents())).ifPresent(a -> {
                    int n = Integer.parseInt(a.name().substring(1));
                    AgentRegistration grown = StateInvariantsPropertyTest.randomAgent(rnd, n);
                    f.state.updateAgent(a.id(), grown.parse(), f.now); // new totals, attributes, ports
                });
            } else {
                f.advance(Duration.ofSeconds(1 + rnd.nextInt(8)));
                for (AgentInfo a : List.copyOf(f.state.agents())) {
                    if (!silent.contains(a.id())) {
                        f.state.heartbeat(a.id(), null, f.now);
                    }
                }
                f.state.tick(f.now);
            }
            long before = f.state.stats().snapshot().setAside();
            try {
                f.state.schedule(f.now);
            } catch (IllegalStateException e) {
                throw new AssertionError("step " + step + ", steps (number:op) " + log.subList(Math.max(0, log.size() - 12), log.size()) + ": " + e.getMessage(), e);
            }
            f.state.commit();
            checked += f.state.stats().snapshot().setAside() - before;
            for (RequestInfo r : f.state.requests()) {
                if (r.state() == RequestState.PENDING) {
                    assertThat(r.why()).as("step %d: pending request %s has no reason", step, r.id()).isNotNull();
                }
            }
        }
    }

    /** An ask larger than most machines: it waits, and waits aside, until releases or new agents make room. */
    private static AllocateRequest large(Random rnd) {
        String[] cpus = {"8", "12", "16", "24"};
        String[] mem = {"8g", "16g", "24g", "40g"};
        return new AllocateRequest(null, null, 1 + rnd.nextInt(2), cpus[rnd.nextInt(cpus.length)], mem[rnd.nextInt(mem.length)], null, null, null,
                null, null, null, null, rnd.nextInt(100), rnd.nextBoolean(), rnd.nextInt(3) == 0, (10 + rnd.nextInt(50)) + "s");
    }

    private static List<AllocationInfo> live(StateFixture f) {
        return f.state.allocations().stream().filter(a -> !a.state().terminal()).toList();
    }

    private static <T> java.util.Optional<T> pick(Random rnd, List<T> xs) {
        return xs.isEmpty() ? java.util.Optional.empty() : java.util.Optional.of(xs.get(rnd.nextInt(xs.size())));
    }
}
