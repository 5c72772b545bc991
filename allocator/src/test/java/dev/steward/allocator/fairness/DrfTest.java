package dev.steward.allocator.fairness;

import dev.steward.allocator.state.StateFixture;
import dev.steward.api.Resources;
import org.junit.jupiter.api.Test;

import static dev.steward.allocator.state.StateFixture.amounts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class DrfTest {

    @Test
    void the_DRF_papers_example_gives_A_three_tasks_and_B_two_with_equal_dominant_shares() {
        StateFixture f = new StateFixture();
        f.agent("m1", "9", "18g");                 // the cluster: <9 CPU, 18 GB>
        f.role("A", 1, null, null);
        f.role("B", 1, null, null);
        f.submit("A", "1", "4g", 10);              // A's tasks: <1 CPU, 4 GB>, memory-dominant (4/18 > 1/9)
        f.submit("B", "3", "1g", 10);              // B's tasks: <3 CPU, 1 GB>, cpu-dominant (3/9 > 1/18)
        f.schedule();
        assertThat(f.live("A")).hasSize(3);        // A: <3 CPU, 12 GB>, dominant share 12/18 = 2/3
        assertThat(f.live("B")).hasSize(2);        // B: <6 CPU, 2 GB>, dominant share 6/9 = 2/3
        assertThat(f.state.sorter().share("A")).isCloseTo(2.0 / 3, within(1e-9));
        assertThat(f.state.sorter().share("B")).isCloseTo(2.0 / 3, within(1e-9));
    }

    @Test
    void a_role_of_weight_two_gets_twice_the_dominant_share() {
        StateFixture f = new StateFixture();
        f.agent("m1", "12", "12g");
        f.role("heavy", 2, null, null);
        f.role("light", 1, null, null);
        f.submit("light", "1", "1g", 100);
        f.submit("heavy", "1", "1g", 100);
        f.schedule();
        assertThat(f.live("heavy")).hasSize(8);    // 8/12 = 2/3, divided by weight 2: 1/3
        assertThat(f.live("light")).hasSize(4);    // 4/12 = 1/3
    }

    @Test
    void a_role_below_its_guarantee_is_served_first_and_others_cannot_take_what_it_is_owed() {
        StateFixture f = new StateFixture();
        f.agent("m1", "10", "10g");
        f.role("ci", 1, amounts("6", "6g"), null);  // guaranteed 6 cpus, 6g
        f.role("batch", 1, null, null);
        f.request("batch", "1", "1g", 10);          // batch arrives first, with a big appetite
        assertThat(f.live("batch")).hasSize(4);     // only 10 - 6 = 4: the rest is held for ci
        var pending = f.state.requests().stream().filter(r -> r.role().equals("batch")).findFirst().orElseThrow();
        assertThat(pending.why().summary()).contains("held back for the guarantees of other roles");
        f.request("ci", "1", "1g", 10);
        assertThat(f.live("ci")).hasSize(6);        // ci takes its guarantee, then the cluster is full
    }

    @Test
    void a_role_never_exceeds_its_limit_and_says_so() {
        StateFixture f = new StateFixture();
        f.agent("m1", "16", "16g");
        f.role("capped", 1, null, amounts("3", null));
        var r = f.request("capped", "1", "1g", 5);
        assertThat(f.live("capped")).hasSize(3);
        assertThat(f.state.request(r.id()).why().summary()).contains("limit").contains("cpus");
    }

    @Test
    void dominant_share_is_the_largest_share_of_any_resource() {
        Resources total = new Resources(10_000, 100, 0, 4000, java.util.Map.of());
        assertThat(DrfSorter.dominantShare(new Resources(1000, 50, 0, 0, java.util.Map.of()), total)).isEqualTo(0.5);
        assertThat(DrfSorter.dominantShare(new Resources(1000, 5, 0, 2000, java.util.Map.of()), total)).isEqualTo(0.5);
    }
}
