package dev.steward.api;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ArgFormsTest {
    @Test
    void a_text_area_entry_splits_into_lines_and_a_list_stays_a_list() {
        assertThat(ArgForms.lines(List.of("http\r\ndb\n\n", " admin "), ",")).containsExactly("http", "db", "admin");
        assertThat(ArgForms.lines(List.of("http, db"), ",")).containsExactly("http", "db");
        assertThat(ArgForms.lines(List.of("20:5m:error-rate < 1%, p99 < 250ms"), "")).containsExactly("20:5m:error-rate < 1%, p99 < 250ms");
        assertThat(ArgForms.lines(List.of("", "  "), ",")).isNull();
        assertThat(ArgForms.lines(null, ",")).isNull();
    }

    @Test
    @SuppressWarnings({"unchecked", "rawtypes"})
    void a_number_a_pipeline_put_in_a_list_of_text_is_its_text() {
        // what Jenkins hands a List<String> setter for `steps: [1, '50%']`: it binds by the erased type, so the Integer arrives as it is
        List<String> fromPipeline = (List) List.of(1, "50%:promote", 2.5);
        assertThat(ArgForms.lines(fromPipeline, "")).containsExactly("1", "50%:promote", "2.5");
    }

    @Test
    void words_are_kept_exactly_and_a_text_area_gives_one_word_per_line() {
        List<Object> fromPipeline = new java.util.ArrayList<>(List.of("sh", "-c", " echo 'a b'\n echo c "));
        fromPipeline.add(3);
        assertThat(ArgForms.words(fromPipeline)).containsExactly("sh", "-c", " echo 'a b'\n echo c ", "3");
        assertThat(ArgForms.words(List.of("sh\r\n-c\necho 'a b' > x\n"))).containsExactly("sh", "-c", "echo 'a b' > x");
        assertThat(ArgForms.words(List.of("  "))).as("an empty text area").isNull();
        assertThat(ArgForms.words(List.of("echo", " "))).containsExactly("echo", " ");
        assertThat(ArgForms.words(List.of())).isNull();
        assertThat(ArgForms.words(null)).isNull();
    }

    @Test
    void pairs_keep_order_and_values_with_equals_signs_and_name_a_bad_entry() {
        assertThat(ArgForms.pairs("vars", List.of("JAVA_OPTS=-Dx=1", "MODE=prod"))).containsExactly(Map.entry("JAVA_OPTS", "-Dx=1"), Map.entry("MODE", "prod"));
        assertThatThrownBy(() -> ArgForms.pairs("vars", List.of("A=1", "oops"))).isInstanceOf(ValidationException.class)
                .hasMessage("vars[1]: 'oops' is not KEY=VALUE");
        assertThatThrownBy(() -> ArgForms.pairs("vars", List.of("=1"))).hasMessageContaining("vars[0]");
    }

    @Test
    void scalars_are_whole_counts() {
        assertThat(ArgForms.scalars("scalars", List.of("fpga=2"))).containsExactly(Map.entry("fpga", 2L));
        assertThatThrownBy(() -> ArgForms.scalars("scalars", List.of("fpga=two"))).hasMessage("scalars.fpga: 'two' is not a whole number from 0 to 1000000000000");
        assertThatThrownBy(() -> ArgForms.scalars("scalars", List.of("fpga=-1"))).hasMessageContaining("scalars.fpga");
    }

    @Test
    void every_constraint_form_parses_and_a_bad_one_names_its_index() {
        assertThat(ArgForms.constraints("constraints", List.of("os=linux", "rack!=r1", "host~^web", "zone in a,b", "distinct", "distinct rack")))
                .extracting(Constraint::parsedOp)
                .containsExactly(Constraint.Op.EQ, Constraint.Op.NE, Constraint.Op.REGEX, Constraint.Op.IN, Constraint.Op.DISTINCT, Constraint.Op.DISTINCT);
        assertThat(ArgForms.constraints("constraints", List.of("zone in a,b")).get(0).inValues()).containsExactly("a", "b");
        assertThatThrownBy(() -> ArgForms.constraints("constraints", List.of("os=linux", "linux"))).hasMessageStartingWith("constraints[1]: 'linux' is not");
        assertThatThrownBy(() -> ArgForms.constraints("constraints", List.of("host~("))).hasMessageStartingWith("constraints[0].value: is not a regular expression");
    }

    @Test
    void a_restart_policy_in_words_keeps_the_defaults_of_what_it_leaves_out() {
        assertThat(ArgForms.restart("restart", "attempts=5, delay=2s, mode=delay, always"))
                .isEqualTo(new RestartPolicy(5, null, "2s", "delay", true));
        assertThat(ArgForms.restart("restart", "interval=1h always=false")).isEqualTo(new RestartPolicy(null, "1h", null, null, false));
        assertThat(ArgForms.restart("restart", "  ")).isNull();
        assertThat(ArgForms.restart("restart", null)).isNull();
    }

    @Test
    void a_bad_restart_policy_names_the_key_and_the_limit() {
        String[][] bad = {
            {"attempts=lots", "restart.attempts", "'lots' is not a whole number"},
            {"attempts=500", "restart.attempts", "100"},
            {"mode=sometimes", "restart.mode", "use fail or delay"},
            {"delay=2h", "restart.delay", "above the limit of 1h"},
            {"always=maybe", "restart.always", "not true or false"},
            {"tries=3", "restart", "'tries' is not attempts, interval, delay, mode or always"},
            {"attempts", "restart", "is not KEY=VALUE"},
        };
        for (String[] b : bad) {
            ValidationException e = org.assertj.core.api.Assertions.catchThrowableOfType(() -> ArgForms.restart("restart", b[0]), ValidationException.class);
            assertThat(e).as(b[0]).isNotNull();
            assertThat(e.field()).as(b[0]).isEqualTo(b[1]);
            assertThat(e.getMessage()).as(b[0]).contains(b[2]);
        }
    }
}
