package dev.steward.monitor;

import org.junit.jupiter.api.Test;

import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BoundedRegexTest {
    @Test
    void a_pattern_that_backtracks_without_end_is_stopped_naming_its_field() {
        // unbounded, each of these takes hours on this input: doubling with every character, or its twelfth power
        String[][] explosive = {{"((a+)+)+c", "a".repeat(60)}, {"^(a+)+\\1$", "a".repeat(60) + "!"}, {"(.*a){12}$", "a".repeat(200) + "b"}};
        for (String[] c : explosive) {
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> BoundedRegex.find(Pattern.compile(c[0]), c[1], "logPattern", new BoundedRegex.Budget())).as(c[0])
                    .isInstanceOf(BoundedRegex.TooCostly.class).hasMessageStartingWith("logPattern '" + c[0] + "' needed more than")
                    .satisfies(e -> assertThat(((BoundedRegex.TooCostly) e).field()).isEqualTo("logPattern"));
            assertThat((System.nanoTime() - t0) / 1e9).as("seconds to stop %s", c[0]).isLessThan(10);
        }
        assertThatThrownBy(() -> BoundedRegex.matches(Pattern.compile("((5+)+)+x"), "5".repeat(60), "errorStatus", new BoundedRegex.Budget()))
                .isInstanceOf(BoundedRegex.TooCostly.class).hasMessageStartingWith("errorStatus ");
        assertThat(BoundedRegex.find(Pattern.compile("((a+)+)+c"), "aaaac", "logPattern", new BoundedRegex.Budget())).isTrue();
    }

    @Test
    void a_budget_is_shared_by_the_lines_of_one_poll() {
        BoundedRegex.Budget b = new BoundedRegex.Budget();
        Pattern costly = Pattern.compile("((a+)+)+c");
        assertThatThrownBy(() -> {
            for (int i = 0; i < 1000; i++) { // each line alone stays inside a fresh budget; together they spend this one
                BoundedRegex.find(costly, "a".repeat(14), "logPattern", b);
            }
        }).isInstanceOf(BoundedRegex.TooCostly.class);
    }

    @Test
    void ordinary_patterns_answer_as_the_engine_does_on_long_lines() {
        String line = "x".repeat(1000) + " ERROR connection timeout after 30s " + "y".repeat(1000);
        BoundedRegex.Budget b = new BoundedRegex.Budget();
        assertThat(BoundedRegex.find(Pattern.compile("ERROR|Exception"), line, "logPattern", b)).isTrue();
        assertThat(BoundedRegex.find(Pattern.compile(".*ERROR.*timeout.*"), line, "logPattern", b)).isTrue();
        assertThat(BoundedRegex.find(Pattern.compile(".*ERROR.*refused.*"), line, "logPattern", b)).isFalse();
        assertThat(BoundedRegex.find(Pattern.compile("(\\w+)=(\\d+)"), "retries=3", "logPattern", b)).isTrue();
        BoundedRegex.Budget many = new BoundedRegex.Budget();
        for (int i = 0; i < 20_000; i++) { // a busy log: 20,000 lines of 100 characters in one poll
            BoundedRegex.find(Pattern.compile("ERROR|Exception"), "GET /api/items/" + i + " 200 " + "z".repeat(80), "logPattern", many);
        }
        assertThat(BoundedRegex.matches(Pattern.compile("5.."), "503", "errorStatus", b)).isTrue();
        assertThat(BoundedRegex.matches(Pattern.compile("5.."), "200", "errorStatus", b)).isFalse();
    }
}
