package dev.steward.allocator.deploy;

import dev.steward.allocator.state.Conflict;
import dev.steward.allocator.state.RoleRecord;
import dev.steward.api.CanaryStep;
import dev.steward.api.Resources;
import dev.steward.api.RoleSpec;
import dev.steward.api.RolloutSpec;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * What a service holds by itself at once, at its rollout's peak and at its end, against its role's
 * limit: within it passes, whatever the role's other work holds; above it is refused with the
 * resource, the figures and what to change.
 */
class LimitFitTest {
    private static final Resources HALF = Resources.of(500, 128);

    /** Role ci, limited to {@code cpuMillis} and 4g (other resources unlimited). */
    private static RoleRecord limitedTo(long cpuMillis) {
        return new RoleRecord("ci", 1, Resources.ZERO, new Resources(cpuMillis, 4096, RoleSpec.UNLIMITED, RoleSpec.UNLIMITED, Map.of()), 1, 1, List.of());
    }

    private static RolloutSpec rolling(String surge, String unavailable) {
        return new RolloutSpec("rolling", surge, unavailable, null, null, null, null, null, null, null);
    }

    /** {@code n} live allocations of {@code each}, oldest first. */
    private static Map<String, Resources> running(int n, Resources each) {
        Map<String, Resources> m = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            m.put("a" + i, each);
        }
        return m;
    }

    private static String refusal(RoleRecord role, RolloutSpec r, Resources each, int count, Map<String, Resources> replaced) {
        return catchThrowableOfType(() -> LimitFit.check(role, "web/prod", r, each, count, replaced), Conflict.class).getMessage();
    }

    @Test
    void instances_that_together_are_above_the_limit_are_refused_with_the_figures_and_at_the_limit_pass() {
        assertThat(refusal(limitedTo(1500), RolloutSpec.ROLLING, HALF, 4, Map.of()))
                .isEqualTo("role 'ci''s limit could never let this deploy finish: web/prod's 4 instances of cpus=0.5 memory=128m need cpus=2, "
                        + "above the limit of 1.5. Deploy fewer or smaller instances, or raise the limit (steward roles set ci --limit ...)");
        assertThatCode(() -> LimitFit.check(limitedTo(1500), "web/prod", RolloutSpec.ROLLING, HALF, 3, Map.of())).doesNotThrowAnyException();
        assertThat(refusal(limitedTo(8000), RolloutSpec.ROLLING, Resources.of(500, 2048), 3, Map.of())).contains("need memory=6g, above the limit of 4g");
        RoleRecord unlimited = new RoleRecord("ci", 1, Resources.ZERO, RoleSpec.NO_LIMIT, 1, 1, List.of());
        assertThatCode(() -> LimitFit.check(unlimited, "web/prod", RolloutSpec.ROLLING, Resources.of(64_000, 1 << 20), 1000, Map.of()))
                .doesNotThrowAnyException();
    }

    @Test
    void a_rolling_update_that_stops_none_first_needs_room_for_its_surge_beside_every_old_instance() {
        RoleRecord two = limitedTo(2000); // 4 instances of 0.5 fill it exactly
        assertThat(refusal(two, rolling("1", "0"), HALF, 4, running(4, HALF)))
                .startsWith("role 'ci''s limit could never let this deploy finish: this rolling update of web/prod would hold cpus=2.5 at once, above the "
                        + "limit of 2: 4 instances it replaces still running and 1 new beside them (with maxUnavailable 0")
                .endsWith("Let it stop some first (--max-unavailable 1), or raise the limit");
        // one may be unavailable: it stops one and starts one in its room, so the peak is the end, 2
        assertThatCode(() -> LimitFit.check(two, "web/prod", rolling("1", "1"), HALF, 4, running(4, HALF))).doesNotThrowAnyException();
        // a recreate stops them all first
        assertThatCode(() -> LimitFit.check(two, "web/prod", new RolloutSpec("recreate", null, null, null, null, null, null, null, null, null), HALF, 4,
                running(4, HALF))).doesNotThrowAnyException();
    }

    @Test
    void larger_new_instances_can_be_above_the_limit_beside_the_old_ones_even_when_the_end_is_within_it() {
        // 4 old instances of 0.25, 4 new of 0.5: the end is 2; stopping one old (0.25) and starting one new (0.5) holds 0.75 + 0.5 = 1.25
        Resources quarter = Resources.of(250, 128);
        assertThatCode(() -> LimitFit.check(limitedTo(2000), "web/prod", rolling("0", "1"), HALF, 4, running(4, quarter))).doesNotThrowAnyException();
        // a blue/green starts all four new beside the four old: 1 + 2 = 3
        String bg = refusal(limitedTo(2000), new RolloutSpec("bluegreen", null, null, null, null, null, null, null, null, null), HALF, 4, running(4, quarter));
        assertThat(bg).contains("this blue/green rollout of web/prod would hold cpus=3 at once, above the limit of 2: 4 instances it replaces still running "
                + "and 4 new beside them").contains("Roll it (strategy rolling)");
        // which old instances stop first counts: the newest, as the reconciler takes them; here the newest is the large one
        Map<String, Resources> mixed = new LinkedHashMap<>(running(3, quarter));
        mixed.put("newest", Resources.of(1000, 128)); // held 1.75; stopping it first leaves 0.75, plus one new 0.5: 1.25 (the oldest first: 2)
        assertThatCode(() -> LimitFit.check(limitedTo(1900), "web/prod", rolling("0", "1"), HALF, 3, mixed)).doesNotThrowAnyException();
        mixed.put("newest", quarter);
        mixed.put("a0", Resources.of(1000, 128)); // now the oldest is the large one, and it still runs beside the first new one: 1.75 - 0.25 + 0.5
        assertThat(refusal(limitedTo(1900), rolling("0", "1"), HALF, 3, mixed)).contains("would hold cpus=2 at once, above the limit of 1.9: "
                + "3 instances it replaces still running and 1 new beside them. Raise the limit, or deploy with strategy recreate");
    }

    @Test
    void a_canary_needs_room_for_its_largest_step_beside_the_old_instances() {
        RolloutSpec canary = new RolloutSpec("canary", null, null, null, List.of(new CanaryStep("25%", "promote", null), new CanaryStep("50%", "promote", null)),
                null, null, null, null, null).validate(4);
        // the largest step is 2 of 4: 2 + 1 = 3 against 2.5
        assertThat(refusal(limitedTo(2500), canary, HALF, 4, running(4, HALF))).contains("this canary of web/prod would hold cpus=3 at once, above the limit of 2.5: "
                + "4 instances it replaces still running and 2 new beside them (its largest step). Take a smaller step, or raise the limit");
        assertThatCode(() -> LimitFit.check(limitedTo(3000), "web/prod", canary, HALF, 4, running(4, HALF))).doesNotThrowAnyException();
    }
}
