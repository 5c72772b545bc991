package dev.steward.allocator.deploy;

import dev.steward.api.CanaryStep;
import dev.steward.api.DeploymentState;
import dev.steward.api.RolloutSpec;
import dev.steward.api.ValidationException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The reconciler in named situations: the Kubernetes arithmetic, a canary's steps, deadlines, rollback. */
class ReconcilerTest {

    @Test
    void surgeRoundsUpUnavailableRoundsDownAndBothZeroMeansOneUnavailable() {
        RolloutSpec d = RolloutSpec.ROLLING;
        assertThat(d.surge(10)).isEqualTo(3);
        assertThat(d.unavailable(10)).isEqualTo(2);
        assertThat(d.surge(1)).isEqualTo(1);
        assertThat(d.unavailable(1)).isEqualTo(0);
        RolloutSpec zero = new RolloutSpec("rolling", "0", "0%", null, null, null, null, null, null, null);
        assertThat(zero.surge(5)).isZero();
        assertThat(zero.unavailable(5)).isEqualTo(1);
        assertThatThrownBy(() -> new RolloutSpec("rolling", "lots", null, null, null, null, null, null, null, null).validate(3))
                .isInstanceOf(ValidationException.class).hasMessageStartingWith("maxSurge:");
        assertThatThrownBy(() -> new RolloutSpec("canary", null, null, null, null, null, null, null, null, null).validate(3))
                .hasMessageStartingWith("steps:");
        assertThatThrownBy(() -> new RolloutSpec("sideways", null, null, null, null, null, null, null, null, null).validate(3))
                .hasMessageStartingWith("strategy:");
    }

    @Test
    void aRollingUpdateOfTenStartsThreeNewAndStopsTwoOld() {
        RolloutSim sim = new RolloutSim(1);
        sim.steady(10);
        sim.deploy(2, RolloutSpec.ROLLING);
        List<Action> a = Reconciler.decide(sim.svc, sim.d, List.copyOf(sim.inst.values()), sim.now);
        assertThat(a.stream().filter(x -> x instanceof Action.Place).count()).isEqualTo(3);
        assertThat(a.stream().filter(x -> x instanceof Action.Stop).count()).isEqualTo(2);
    }

    @Test
    void aCanaryRunsItsStepsAndPausesForAPromote() {
        RolloutSim sim = new RolloutSim(2);
        sim.steady(4);
        RolloutSpec canary = new RolloutSpec("canary", null, null, null, List.of(new CanaryStep("25%", "promote", null)), null, "10s", "60s", "120s", null)
                .validate(4);
        sim.deploy(2, canary);
        for (int k = 0; k < 200 && sim.d.state() != DeploymentState.PAUSED; k++) {
            sim.world();
            sim.round();
        }
        assertThat(sim.d.state()).isEqualTo(DeploymentState.PAUSED);
        assertThat(sim.inst.values().stream().filter(i -> i.revision() == 2 && !i.state().terminal()).count()).as("one canary").isEqualTo(1);
        assertThat(sim.inst.values().stream().filter(i -> i.revision() == 1 && !i.state().terminal()).count()).as("the old set keeps serving")
                .isEqualTo(4);
    }

    @Test
    void aBadRevisionRollsBackToTheStableOneWithTheReason() {
        RolloutSim sim = new RolloutSim(3);
        sim.steady(3);
        sim.bad.add(2);
        sim.deploy(2, new RolloutSpec("rolling", null, null, null, null, null, "10s", "60s", "120s", null).validate(3));
        for (int k = 0; k < 5000 && !sim.d.state().terminal(); k++) {
            sim.world();
            sim.round();
        }
        assertThat(sim.d.state()).isEqualTo(DeploymentState.ROLLED_BACK);
        assertThat(sim.d.reason()).contains("of revision 2").containsAnyOf("failed", "was not healthy within the healthy deadline of 1m");
        assertThat(sim.svc.revision()).isEqualTo(1);
    }
}
