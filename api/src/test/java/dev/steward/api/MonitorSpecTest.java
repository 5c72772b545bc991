package dev.steward.api;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** A monitor's timing: the interval's default fits a short duration; an interval the user gives is checked against it. */
class MonitorSpecTest {
    private static MonitorSpec spec(String duration, String interval) {
        return new MonitorSpec(List.of("error-rate < 1%"), duration, interval, null, null, null, null, null, null, null, null, null, null);
    }

    @Test
    void the_default_interval_is_10s_or_the_duration_when_shorter() {
        assertThat(spec("5s", null).validate().intervalValue()).as("refused before: 'interval is 10s', a flag nobody gave").isEqualTo(Duration.ofSeconds(5));
        assertThat(spec("1m", null).validate().intervalValue()).isEqualTo(Duration.ofSeconds(10));
        assertThat(spec(null, null).validate().intervalValue()).as("5m by default").isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void an_interval_given_longer_than_the_duration_is_refused_naming_both() {
        ValidationException e = catchThrowableOfType(() -> spec("5s", "10s").validate(), ValidationException.class);
        assertThat(e.field()).isEqualTo("interval");
        assertThat(e.getMessage()).contains("is 10s; it must be from 200ms to the duration (5s)");
        assertThat(catchThrowableOfType(() -> spec("5s", "100ms").validate(), ValidationException.class).field()).isEqualTo("interval");
    }
}
