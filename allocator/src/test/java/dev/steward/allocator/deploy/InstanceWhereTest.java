package dev.steward.allocator.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steward.allocator.Json;
import dev.steward.api.InstanceInfo;
import dev.steward.api.InstanceState;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Where an instance answers, as the live view, the rollout's log and the services table say it; never a field of the API's JSON. */
class InstanceWhereTest {
    private static InstanceInfo at(String host, Map<String, Integer> ports) {
        return new InstanceInfo("i1", "web/prod", 1, "sha256:" + "a".repeat(64), null, InstanceState.HEALTHY, "r1", "a1", "t1", "m1", host, ports,
                null, null, null, false, Instant.EPOCH, null, null, null, 1, 1);
    }

    @Test
    void anInstanceWithoutPortsSaysSoRatherThanAnEmptyMap() {
        assertThat(at("10.0.0.5", Map.of("http", 21000)).where()).isEqualTo("10.0.0.5 {http=21000}");
        assertThat(at("10.0.0.5", Map.of()).where()).isEqualTo("10.0.0.5 (no ports)");
        assertThat(at("10.0.0.5", null).where()).isEqualTo("10.0.0.5 (no ports)");
        assertThat(at(null, null).where()).as("not placed yet").isNull();
    }

    @Test
    void itIsNotAFieldOfTheJson() {
        JsonNode json = Json.MAPPER.valueToTree(at("10.0.0.5", Map.of()));
        assertThat(json.has("where")).isFalse();
        assertThat(json.path("host").asText()).isEqualTo("10.0.0.5");
    }
}
