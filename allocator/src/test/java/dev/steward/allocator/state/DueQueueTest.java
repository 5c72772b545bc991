package dev.steward.allocator.state;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class DueQueueTest {
    private static final Instant T0 = Instant.parse("2026-12-02T00:00:00Z");

    @Test
    void keys_come_out_when_due_earliest_first_and_a_later_set_supersedes_an_earlier_one() {
        DueQueue q = new DueQueue();
        q.set("a", T0.plusSeconds(5));
        q.set("b", T0.plusSeconds(2));
        q.set("c", T0.plusSeconds(9));
        q.set("a", T0.plusSeconds(20)); // heard from again: later
        q.setIfAbsent("b", T0.plusSeconds(100)); // already due: unchanged
        q.remove("c");
        assertThat(q.poll(T0.plusSeconds(1))).isEmpty();
        assertThat(q.poll(T0.plusSeconds(10))).containsExactly("b");
        assertThat(q.poll(T0.plusSeconds(10))).as("polled keys are no longer due").isEmpty();
        assertThat(q.poll(T0.plusSeconds(30))).containsExactly("a");
        assertThat(q.size()).isZero();
    }

    /** Against a plain map as the model: whatever the sets, removes and polls, a poll returns exactly the keys due by then. */
    @Test
    void random_operations_agree_with_a_map_of_due_times() {
        for (long seed = 1; seed <= 200; seed++) {
            Random rnd = new Random(seed);
            DueQueue q = new DueQueue();
            Map<String, Instant> model = new HashMap<>();
            Instant now = T0;
            for (int step = 0; step < 3000; step++) {
                String key = "k" + rnd.nextInt(50);
                int op = rnd.nextInt(10);
                if (op < 5) {
                    Instant at = now.plusMillis(rnd.nextInt(5000));
                    q.set(key, at);
                    model.put(key, at);
                } else if (op < 6) {
                    Instant at = now.plusMillis(rnd.nextInt(5000));
                    q.setIfAbsent(key, at);
                    model.putIfAbsent(key, at);
                } else if (op < 7) {
                    q.remove(key);
                    model.remove(key);
                } else {
                    now = now.plusMillis(rnd.nextInt(1000));
                    List<String> got = q.poll(now);
                    List<String> want = new ArrayList<>();
                    Instant until = now;
                    model.entrySet().stream().filter(e -> !e.getValue().isAfter(until)).sorted(Map.Entry.comparingByValue())
                            .forEach(e -> want.add(e.getKey()));
                    want.forEach(model::remove);
                    assertThat(got).as("seed %d step %d", seed, step).containsExactlyInAnyOrderElementsOf(want);
                }
                assertThat(q.size()).as("seed %d step %d", seed, step).isEqualTo(model.size());
            }
        }
    }
}
