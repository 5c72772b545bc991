package dev.steward.api;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class UnitsTest {

    @ParameterizedTest
    @CsvSource({"2, 2000", "1.5, 1500", "0.1, 100", "500m, 500", "250M, 250", " 4 , 4000", "0, 0"})
    void cpus_parse_to_millicores(String text, long millis) {
        assertThat(Units.cpuMillis("cpus", text)).isEqualTo(millis);
    }

    @ParameterizedTest
    @CsvSource({"4g, 4096", "512m, 512", "1.5g, 1536", "2048, 2048", "1t, 1048576", "4Gi, 4096", "4GB, 4096", "1536k, 2", "1k, 1"})
    void memory_parses_to_mebibytes(String text, long mib) {
        assertThat(Units.mebibytes("memory", text)).isEqualTo(mib);
    }

    @ParameterizedTest
    @CsvSource({"1, 1000", "2, 2000", "0.5, 500", "0.25, 250", "8, 8000"})
    void gpus_parse_to_thousandths(String text, long millis) {
        assertThat(Units.gpuMillis("gpus", text)).isEqualTo(millis);
    }

    @ParameterizedTest
    @CsvSource({"30s, 30000", "5m, 300000", "1h30m, 5400000", "250ms, 250", "2d, 172800000", "90, 90000", "1.5h, 5400000"})
    void durations_parse(String text, long millis) {
        assertThat(Units.duration("ttl", text)).isEqualTo(Duration.ofMillis(millis));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "cpus   | -1    | is negative",
            "cpus   | 2x    | unknown cpu unit 'x'",
            "cpus   | 0.0001| finer than one millicore",
            "cpus   | lots  | is not a number of cpus",
            "cpus   | ''    | is empty",
            "memory | 4q    | unknown size unit 'q'",
            "memory | 99999999999999999999t | absurdly large",
            "gpus   | 1.5   | mixes whole and shared GPUs",
            "gpus   | 1g    | GPUs take no unit",
            "ttl    | soon  | is not a duration",
            "ttl    | 5m3   | is not a duration",
    })
    void bad_amounts_name_the_field_and_say_why(String field, String text, String words) {
        assertThatThrownBy(() -> {
            switch (field) {
                case "cpus" -> Units.cpuMillis(field, text);
                case "memory" -> Units.mebibytes(field, text);
                case "gpus" -> Units.gpuMillis(field, text);
                default -> Units.duration(field, text);
            }
        }).isInstanceOf(ValidationException.class).hasMessageStartingWith(field + ": ").hasMessageContaining(words)
                .extracting(e -> ((ValidationException) e).field()).isEqualTo(field);
    }

    @Test
    void amounts_format_the_way_users_write_them() {
        assertThat(Units.format(Duration.ofSeconds(90))).isEqualTo("1m30s");
        assertThat(Units.formatCpus(1500)).isEqualTo("1.5");
        assertThat(Units.formatMib(4096)).isEqualTo("4g");
        assertThat(Units.formatMib(1536)).isEqualTo("1536m");
        assertThat(Units.formatMibShort(24105)).as("a machine's memory, for a table").isEqualTo("23.5g");
        assertThat(Units.formatBytes(512)).isEqualTo("512 B");
        assertThat(Units.formatBytes(1946)).as("a small package: not '0 MiB'").isEqualTo("1.9 KiB");
        assertThat(Units.formatBytes(64L << 20)).isEqualTo("64.0 MiB");
        assertThat(Units.formatBytes(3L << 40)).isEqualTo("3.0 TiB");
        assertThat(Units.formatMibShort(1536)).isEqualTo("1.5g");
        assertThat(Units.formatMibShort(512)).isEqualTo("512m");
        assertThat(Units.formatMibShort(4096)).isEqualTo("4g");
        assertThat(Units.formatMibShort(0)).isEqualTo("0m");
        assertThat(Units.formatMibShort(3L * 1024 * 1024 + 512 * 1024)).isEqualTo("3.5t");
    }
}
