package dev.steward.allocator.placement;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class FiltersRegexTest {
    @Test
    void a_pattern_past_its_bound_matches_nothing_from_then_on_and_an_ordinary_one_answers() {
        String value = "r".repeat(40);
        long t0 = System.nanoTime();
        assertThat(Filters.finds("((r+)+)+Z", value)).isFalse();
        assertThat(Filters.finds("((r+)+)+Z", "rrrZ")).as("remembered as too costly: not run again").isFalse();
        assertThat((System.nanoTime() - t0) / 1e6).as("ms (unbounded: hours)").isLessThan(2000);
        assertThat(Filters.finds("^r+$", value)).isTrue();
        assertThat(Filters.finds("^ip-10-0-.*\\.internal$", "ip-10-0-3-17.ec2.internal")).isTrue();
        assertThat(Filters.finds("^ip-10-1-", "ip-10-0-3-17.ec2.internal")).isFalse();
    }

    @Test
    void the_compiled_patterns_stay_bounded_whatever_tenants_send() {
        for (int i = 0; i < Filters.MAX_PATTERNS + 500; i++) {
            Filters.finds("^node-" + i + "$", "node-1");
        }
        assertThat(Filters.cachedPatterns()).isLessThanOrEqualTo(Filters.MAX_PATTERNS);
    }

    @Test
    void what_a_pattern_found_in_a_value_is_remembered_within_a_bound() {
        assertThat(Filters.finds("^rack-(1|2)$", "rack-2")).isTrue();
        assertThat(Filters.finds("^rack-(1|2)$", "rack-3")).isFalse();
        assertThat(Filters.finds("^rack-(1|2)$", "rack-2")).as("the same answer again").isTrue();
        for (int i = 0; i < Filters.MAX_RESULTS + 500; i++) {
            Filters.finds("^node-1$", "node-" + i);
        }
        assertThat(Filters.cachedResults()).isLessThanOrEqualTo(Filters.MAX_RESULTS);
        assertThat(Filters.finds("^node-1$", "node-1")).isTrue();
    }

    @Test
    void a_roles_reading_for_the_pass_is_charged_and_once_spent_only_known_answers_are_given() {
        RegexWork work = new RegexWork(500);
        String value = "s".repeat(40);
        assertThat(Filters.finds(".*.{0,4}=", value, work)).as("run: about 8,400 characters, past the 500 left").isFalse();
        assertThat(work.spent()).isTrue();
        assertThat(Filters.finds(".*.{0,4}=", "t".repeat(40), work)).as("not run: nothing left this pass").isNull();
        assertThat(Filters.finds(".*.{0,4}=", value, work)).as("known already: answered without reading").isFalse();
        assertThat(work.cut()).isTrue();
        assertThat(Filters.finds(".*.{0,4}=", "t".repeat(40), RegexWork.perCycle())).as("the next pass runs it").isFalse();
    }
}
