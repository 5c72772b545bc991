package dev.steward.api;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The one parser of a canary step, as the CLI's --step and the Jenkins step's steps write it. */
class CanaryStepTest {

    @Test
    void weightPauseAndGatesAreSplitAtTheFirstTwoColons() {
        assertThat(CanaryStep.parse("25%")).isEqualTo(new CanaryStep("25%", null, null));
        assertThat(CanaryStep.parse("25%:30s")).isEqualTo(new CanaryStep("25%", "30s", null));
        assertThat(CanaryStep.parse("50%:promote")).isEqualTo(new CanaryStep("50%", "promote", null));
        CanaryStep gated = CanaryStep.parse(" 10% : 5m : error-rate < 1%; p99 < 300ms ");
        assertThat(gated).isEqualTo(new CanaryStep("10%", "5m", "error-rate < 1%; p99 < 300ms"));
        assertThat(gated.gates()).containsExactly("error-rate < 1%", "p99 < 300ms");
        assertThat(gated.pauseDuration()).hasMinutes(5);
        assertThat(CanaryStep.parse("2::")).isEqualTo(new CanaryStep("2", null, null));
    }

    @Test
    void anEmptyStepIsRefusedWithTheForm() {
        assertThatThrownBy(() -> CanaryStep.parse(" ")).isInstanceOf(ValidationException.class).hasMessageContaining("WEIGHT[:PAUSE[:GATES]]");
    }
}
