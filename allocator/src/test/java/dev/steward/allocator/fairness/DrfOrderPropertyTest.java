package dev.steward.allocator.fairness;

import dev.steward.api.Resources;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sorter keeps its order instead of sorting at every ask; after any sequence of roles added,
 * re-weighted and removed, allocations made and given back and totals changed, the order must be
 * the one a full sort by the DRF rule gives: roles below their guarantee first, then by dominant
 * share over weight, then by name. A failure prints its seed; replay with -Dsteward.seed=SEED.
 */
class DrfOrderPropertyTest {
    private record Role(double weight, Resources guarantee, Resources held) {
    }

    @Test
    void the_kept_order_is_the_order_a_full_sort_gives() {
        dev.steward.allocator.Seeds.forEach(300, seed -> {
            Random rnd = new Random(seed);
            DrfSorter sorter = new DrfSorter();
            Map<String, Role> model = new HashMap<>();
            Resources total = cluster(rnd);
            sorter.setTotal(total);
            for (int step = 0; step < 120; step++) {
                String name = "r" + rnd.nextInt(12);
                int op = rnd.nextInt(10);
                if (op < 2 || !model.containsKey(name)) {
                    double weight = 1 + rnd.nextInt(4);
                    Resources guarantee = rnd.nextInt(3) == 0 ? new Resources(1000L * rnd.nextInt(8), 1024L * rnd.nextInt(8), 0, 0, Map.of()) : Resources.ZERO;
                    Role old = model.get(name);
                    model.put(name, new Role(weight, guarantee, old == null ? Resources.ZERO : old.held()));
                    sorter.add(name, weight, guarantee);
                } else if (op < 5) {
                    Resources r = new Resources(250L * rnd.nextInt(8), 256L * rnd.nextInt(8), 0, rnd.nextInt(4) == 0 ? 1000 : 0, Map.of());
                    Role old = model.get(name);
                    model.put(name, new Role(old.weight(), old.guarantee(), old.held().plus(r)));
                    sorter.allocated(name, r);
                } else if (op < 7) {
                    Role old = model.get(name);
                    Resources r = old.held();
                    model.put(name, new Role(old.weight(), old.guarantee(), Resources.ZERO));
                    sorter.unallocated(name, r);
                } else if (op == 7) {
                    model.remove(name);
                    sorter.remove(name);
                } else if (op == 8) {
                    total = cluster(rnd);
                    sorter.setTotal(total);
                }
                if (rnd.nextInt(3) == 0) { // ask at random moments, so stale and kept orders both meet changes
                    assertThat(sorter.sort()).as("step %d", step).isEqualTo(reference(model, total));
                }
            }
            assertThat(sorter.sort()).isEqualTo(reference(model, total));
        });
    }

    private static Resources cluster(Random rnd) {
        return new Resources(1000L * (8 + rnd.nextInt(64)), 1024L * (8 + rnd.nextInt(256)), 0, 1000L * rnd.nextInt(8), Map.of());
    }

    private static List<String> reference(Map<String, Role> model, Resources total) {
        List<String> out = new ArrayList<>(model.keySet());
        out.sort(Comparator.comparing((String r) -> {
            Role x = model.get(r);
            return x.guarantee().isZero() || x.guarantee().fitsIn(x.held());
        }).thenComparingDouble(r -> DrfSorter.dominantShare(model.get(r).held(), total) / model.get(r).weight()).thenComparing(r -> r));
        return out;
    }
}
