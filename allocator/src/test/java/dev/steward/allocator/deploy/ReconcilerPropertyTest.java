package dev.steward.allocator.deploy;

import dev.steward.allocator.Seeds;
import dev.steward.api.CanaryStep;
import dev.steward.api.DeploymentState;
import dev.steward.api.InstanceInfo;
import dev.steward.api.InstanceState;
import dev.steward.api.RolloutSpec;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Seeded random rollouts through the simulation: every strategy, random surge and unavailability,
 * good and bad revisions, losses, flapping health and drains. Invariants: the running count never
 * passes instances + maxSurge in a rolling update (but for a move off a draining agent, which runs
 * one over until the one moving stops); the reconciler's own stops never take availability below
 * instances - maxUnavailable (counting an instance a move started on neither side while the one it
 * replaces is live: it is the drain's, not the rollout's); no instance is
 * stopped twice or marked available unless starting; every deployment ends, and ends consistent
 * with its outcome.
 */
class ReconcilerPropertyTest {

    static RolloutSpec randomRollout(Random r, int n) {
        String[] amounts = {"0", "1", "2", "25%", "50%", "100%", "0%", "3"};
        RolloutSpec.Strategy s = RolloutSpec.Strategy.values()[r.nextInt(4)];
        List<CanaryStep> steps = null;
        if (s == RolloutSpec.Strategy.CANARY) {
            steps = new ArrayList<>();
            int k = 1 + r.nextInt(3);
            for (int i = 0; i < k; i++) {
                String w = r.nextBoolean() ? (10 + r.nextInt(80)) + "%" : Integer.toString(1 + r.nextInt(Math.max(1, n)));
                String pause = switch (r.nextInt(4)) {
                    case 0 -> null;
                    case 1, 3 -> (5 + r.nextInt(30)) + "s";
                    default -> "promote";
                };
                String gate = pause != null && !pause.equals("promote") && r.nextBoolean() ? "error-rate < 1%" : null;
                steps.add(new CanaryStep(w, pause, gate));
            }
        }
        return new RolloutSpec(s.name().toLowerCase(), amounts[r.nextInt(amounts.length)], amounts[r.nextInt(amounts.length)], null, steps, "20s", "10s",
                "60s", "120s", r.nextInt(4) != 0).validate(n);
    }

    /** A service of 1 to {@code most} instances of revision 1, then a random rollout to revision 2, a bad one once in {@code badOneIn}. */
    private static RolloutSim rollingOut(long seed, int most, int badOneIn) {
        RolloutSim sim = new RolloutSim(seed);
        int n = 1 + sim.r.nextInt(most);
        sim.steady(n);
        if (sim.r.nextInt(badOneIn) == 0) {
            sim.bad.add(2);
        }
        sim.deploy(2, randomRollout(sim.r, n));
        return sim;
    }

    @Test
    void aDrainMovesInstancesElsewhereWithoutTakingAvailabilityBelowWhatItWas() {
        Seeds.forEach(400, seed -> {
            RolloutSim sim = new RolloutSim(seed);
            Random r = sim.r;
            int n = 1 + r.nextInt(10);
            sim.steady(n);
            for (InstanceInfo i : sim.inst.values()) {
                if (sim.leaving.isEmpty() || r.nextBoolean()) {
                    sim.leaving.add(i.id()); // its agent drains
                }
            }
            int rounds = 0;
            // the sim's round checks that no steady-state stop takes availability below min(what it was, n)
            while (sim.inst.values().stream().anyMatch(i -> !i.state().terminal() && sim.leaving.contains(i.id())) || sim.available() < n) {
                sim.world();
                sim.round();
                assertThat(++rounds).as("instances still on draining agents after %d rounds", rounds).isLessThan(20_000);
            }
            List<InstanceInfo> live = sim.inst.values().stream().filter(i -> !i.state().terminal() && !i.stopRequested()).toList();
            assertThat(live).hasSize(n).allMatch(i -> i.state() == InstanceState.HEALTHY && !sim.leaving.contains(i.id()));
        });
    }

    @Test
    void rolloutsKeepTheirBoundsAndAlwaysEnd() {
        Seeds.forEach(400, seed -> {
            RolloutSim sim = rollingOut(seed, 12, 3);
            int n = sim.svc.instances();
            RolloutSpec rollout = sim.d.rollout();
            int rounds = 0;
            while (!sim.d.state().terminal()) {
                sim.world();
                sim.round();
                assertThat(++rounds).as("the deployment has not ended after %d rounds: %s", rounds, sim.d).isLessThan(20_000);
            }
            List<InstanceInfo> live = sim.inst.values().stream().filter(i -> !i.state().terminal() && !i.stopRequested()).toList();
            switch (sim.d.state()) {
                case SUCCEEDED -> {
                    assertThat(sim.bad).as("a bad revision never succeeds").doesNotContain(2);
                    assertThat(live).hasSize(n).allMatch(i -> i.revision() == 2 && i.state() == InstanceState.HEALTHY);
                }
                case ROLLED_BACK -> {
                    assertThat(rollout.rollsBack()).isTrue();
                    assertThat(sim.d.reason()).isNotBlank();
                    assertThat(live).hasSize(n).allMatch(i -> i.revision() == 1 && i.state() == InstanceState.HEALTHY);
                }
                case FAILED -> assertThat(sim.d.reason()).as("a failure says why").isNotBlank();
                default -> throw new AssertionError("unexpected end " + sim.d.state());
            }
            if (sim.bad.contains(2)) {
                assertThat(sim.d.state()).isIn(DeploymentState.ROLLED_BACK, DeploymentState.FAILED);
            }
        });
    }

    @Test
    void theSteadyStateReplacesLostInstancesAfterABackoffAndKeepsTheCount() {
        Seeds.forEach(200, seed -> {
            RolloutSim sim = new RolloutSim(seed);
            int n = 1 + sim.r.nextInt(8);
            sim.steady(n);
            for (int k = 0; k < 400; k++) {
                sim.world();
                sim.round();
                long live = sim.inst.values().stream().filter(i -> !i.state().terminal() && !i.stopRequested()).count();
                assertThat(live).as("never more than wanted").isLessThanOrEqualTo(n);
            }
            for (int k = 0; k < 200; k++) { // a calm world: no more losses
                sim.round();
                sim.calm();
            }
            assertThat(sim.available()).as("back to %d available", n).isEqualTo(n);
        });
    }

    @Test
    void anAbortAtAnyMomentReturnsToExactlyTheStableRevisionWithoutDroppingAvailability() {
        Seeds.forEach(300, seed -> {
            RolloutSim sim = new RolloutSim(seed);
            Random r = sim.r;
            int n = 1 + r.nextInt(10);
            sim.steady(n);
            sim.deploy(2, randomRollout(r, n));
            int at = r.nextInt(60);
            for (int k = 0; k < at && !sim.d.state().terminal(); k++) {
                sim.world();
                sim.round();
            }
            if (sim.d.state().terminal()) {
                return; // ended by itself before the abort
            }
            sim.abort();
            for (int k = 0; k < 100; k++) { // the world goes on (losses included), then calms down; round() checks the stops
                sim.world();
                sim.round();
            }
            for (int k = 0; k < 100; k++) {
                sim.round();
                sim.calm();
            }
            sim.round();
            List<InstanceInfo> live = sim.inst.values().stream().filter(i -> !i.state().terminal()).toList();
            assertThat(live).as("after an abort only the stable revision runs, %d of it", n).hasSize(n)
                    .allMatch(i -> i.revision() == 1 && i.state() == InstanceState.HEALTHY && !i.stopRequested());
        });
    }

    @Test
    void aHeldRolloutKeepsEachRevisionsCountThroughLossesAndNeverGoesAboveIt() {
        Seeds.forEach(300, seed -> {
            RolloutSim sim = rollingOut(seed, 8, 4);
            sim.promotes = false;
            Random r = sim.r;
            int n = sim.svc.instances();
            RolloutSpec rollout = sim.d.rollout();
            int at = r.nextInt(40);
            for (int k = 0; k < at && sim.d.state() == DeploymentState.RUNNING; k++) {
                sim.world();
                sim.round();
            }
            if (sim.d.state() == DeploymentState.RUNNING) {
                sim.pause(); // a person holds it
            }
            if (sim.d.state() != DeploymentState.PAUSED) {
                return; // ended, or rolling back, before the hold
            }
            // while a canary is not promoted, or blue/green has not switched, the old revision holds from the start: all n of it
            boolean oldFromStart = rollout.type() == RolloutSpec.Strategy.CANARY && sim.d.step() < rollout.steps().size()
                    || rollout.type() == RolloutSpec.Strategy.BLUEGREEN && (sim.d.activeRevision() == null || sim.d.activeRevision() != 2);
            long old = oldFromStart ? n : sim.live(1);
            long fresh = sim.live(2);
            for (int k = 0; k < 200; k++) { // losses, failures and drains (some called off) while it holds
                sim.world();
                sim.drains(20, 60);
                sim.round();
                // an instance on a draining agent and the one taking over from it both run for a while: count them once
                assertThat(sim.live(1) - sim.moving(1)).as("revision 1 never above its count of %d", old).isLessThanOrEqualTo(old);
                assertThat(sim.live(2) - sim.moving(2)).as("revision 2 never above its count of %d", fresh).isLessThanOrEqualTo(fresh);
            }
            for (int k = 0; k < 100; k++) { // then a calm world: everything lost is made up, everything draining has moved
                sim.round();
                sim.calm();
            }
            assertThat(sim.d.state()).isEqualTo(DeploymentState.PAUSED);
            assertThat(sim.live(1)).as("revision 1 back to %d", old).isEqualTo(old);
            assertThat(sim.live(2)).as("revision 2 back to %d", fresh).isEqualTo(fresh);
            assertThat(sim.inst.values()).as("nothing live is left on a draining agent")
                    .noneMatch(i -> sim.leaving.contains(i.id()) && !i.state().terminal() && !i.stopRequested());
        });
    }

    @Test
    void aDrainDuringAnyRolloutMovesTheNewRevisionAtOnceAndLeavesNothingBehind() {
        Seeds.forEach(300, seed -> {
            RolloutSim sim = rollingOut(seed, 8, 4);
            int n = sim.svc.instances();
            RolloutSpec rollout = sim.d.rollout();
            boolean ownMoves = rollout.type() != RolloutSpec.Strategy.RECREATE; // recreate is over in moments: its instances move after it
            int rounds = 0;
            while (!sim.d.state().terminal()) {
                sim.world();
                sim.drains(15, 80);
                sim.round();
                if (ownMoves && (sim.d.state() == DeploymentState.RUNNING || sim.d.state() == DeploymentState.PAUSED)) {
                    assertThat(sim.moving(2)).as("every instance of revision 2 on a draining agent has one taking over from it, at once")
                            .isEqualTo(sim.draining(2));
                }
                assertThat(++rounds).as("the deployment has not ended after %d rounds: %s", rounds, sim.d).isLessThan(20_000);
            }
            if (sim.d.state() == DeploymentState.SUCCEEDED) {
                assertThat(sim.bad).as("a bad revision never succeeds").doesNotContain(2);
            }
            for (int k = 0; k < 100; k++) { // then a calm world: what is left on a draining agent moves
                sim.round();
                sim.calm();
            }
            List<InstanceInfo> live = sim.inst.values().stream().filter(i -> !i.state().terminal() && !i.stopRequested()).toList();
            assertThat(live).as("%d of the service's revision %d, none on a draining agent", n, sim.svc.revision()).hasSize(n)
                    .allMatch(i -> i.revision() == sim.svc.revision() && i.state() == InstanceState.HEALTHY && !sim.leaving.contains(i.id()));
        });
    }
}
