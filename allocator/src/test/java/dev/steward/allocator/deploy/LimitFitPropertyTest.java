package dev.steward.allocator.deploy;

import dev.steward.allocator.Seeds;
import dev.steward.allocator.state.Conflict;
import dev.steward.allocator.state.RoleRecord;
import dev.steward.api.CanaryStep;
import dev.steward.api.DeploymentState;
import dev.steward.api.Resources;
import dev.steward.api.RoleSpec;
import dev.steward.api.RolloutSpec;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link LimitFit}'s peak against the reconciler's: seeded random rollouts of every strategy, on
 * a calm simulated world whose role's limit lets {@code slots} instances hold room at once (each
 * instance one cpu, the role's limit that many cpus). With the least limit {@link LimitFit} lets
 * through, the rollout succeeds; with one instance less, it never does. So a deploy is refused only
 * when it could not finish, and one that is let through is not stuck on the limit.
 */
class LimitFitPropertyTest {
    private static final Resources ONE = Resources.of(1000, 64);

    private static RolloutSpec randomRollout(Random r, int n) {
        String[] surge = {"0", "1", "2", "25%", "50%", "100%"};
        String[] unavailable = {"0", "1", "25%", "50%", "0%"};
        RolloutSpec.Strategy s = RolloutSpec.Strategy.values()[r.nextInt(4)];
        List<CanaryStep> steps = null;
        if (s == RolloutSpec.Strategy.CANARY) {
            steps = new ArrayList<>();
            for (int i = 0, k = 1 + r.nextInt(3); i < k; i++) {
                String w = r.nextBoolean() ? (10 + r.nextInt(80)) + "%" : Integer.toString(1 + r.nextInt(n));
                steps.add(new CanaryStep(w, r.nextBoolean() ? null : (5 + r.nextInt(20)) + "s", null));
            }
        }
        return new RolloutSpec(s.name().toLowerCase(), surge[r.nextInt(surge.length)], unavailable[r.nextInt(unavailable.length)], null, steps, "5s", "2s",
                "60s", "120s", false).validate(n);
    }

    private static boolean fits(int cpus, RolloutSpec rollout, int n) {
        RoleRecord role = new RoleRecord("ci", 1, Resources.ZERO, new Resources(cpus * 1000L, RoleSpec.UNLIMITED, RoleSpec.UNLIMITED, RoleSpec.UNLIMITED,
                Map.of()), 1, 1, List.of());
        Map<String, Resources> replaced = new LinkedHashMap<>();
        for (int i = 1; i <= n; i++) {
            replaced.put("i" + i, ONE); // RolloutSim.steady names them i1..in, oldest first
        }
        try {
            LimitFit.check(role, "web/test", rollout, ONE, n, replaced);
            return true;
        } catch (Conflict c) {
            return false;
        }
    }

    /** The rollout on a calm world with room for {@code slots} instances: its last state, or RUNNING if it had not ended within the rounds. */
    private static DeploymentState run(long seed, int n, RolloutSpec rollout, int slots) {
        RolloutSim sim = new RolloutSim(seed);
        sim.steady(n);
        sim.slots = slots;
        sim.deploy(2, rollout);
        for (int round = 0; round < 3000 && !sim.d.state().terminal(); round++) {
            sim.calm();
            sim.round();
        }
        return sim.d.state();
    }

    @Test
    void theLeastLimitLetThroughFinishesTheRolloutAndOneInstanceLessNeverDoes() {
        Seeds.forEach(300, seed -> {
            Random r = new Random(seed);
            int n = 1 + r.nextInt(8);
            RolloutSpec rollout = randomRollout(r, n);
            int least = n;
            while (!fits(least, rollout, n)) {
                least++;
            }
            assertThat(least).as("never more than the old and new sets together").isLessThanOrEqualTo(2 * n);
            assertThat(run(seed, n, rollout, least)).as("%d instances, %s, %s, a limit of %d instances", n, rollout.type(), rollout, least)
                    .isEqualTo(DeploymentState.SUCCEEDED);
            if (least > n) {
                assertThat(run(seed, n, rollout, least - 1)).as("%d instances, %s, %s, a limit of %d instances (one below what LimitFit lets through)", n,
                        rollout.type(), rollout, least - 1).isNotEqualTo(DeploymentState.SUCCEEDED);
            }
        });
    }
}
