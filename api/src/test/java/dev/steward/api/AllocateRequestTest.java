package dev.steward.api;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AllocateRequestTest {

    private static AllocateRequest req(String gpus, String model, List<Constraint> cs) {
        return new AllocateRequest(null, "it", 2, "2", "4g", "10g", gpus, model, List.of("db"), Map.of("fpga", 1L), cs, "spread", 70, true, true, "30m");
    }

    @Test
    void a_full_request_parses_into_an_ask() {
        Ask a = req("0.5", "V100M16|V100M32", List.of(Constraint.eq("os", "linux"), Constraint.distinct())).parse();
        assertThat(a.shape()).isEqualTo(new Resources(2000, 4096, 10240, 500, Map.of("fpga", 1L)));
        assertThat(a.gpuModels()).containsExactlyInAnyOrder("V100M16", "V100M32");
        assertThat(a.placement()).isEqualTo(Placement.SPREAD);
        assertThat(a.ttl()).isEqualTo(Duration.ofMinutes(30));
        assertThat(a.priority()).isEqualTo(70);
        assertThat(a.preemptible()).isTrue();
        assertThat(a.gang()).isTrue();
        assertThat(a.total().cpuMillis()).isEqualTo(4000);
    }

    @Test
    void defaults_are_a_tenth_of_a_cpu_128m_one_allocation_thirty_minutes() {
        Ask a = new AllocateRequest(null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null).parse();
        assertThat(a.count()).isEqualTo(1);
        assertThat(a.shape()).isEqualTo(Resources.of(100, 128));
        assertThat(a.ttl()).isEqualTo(Duration.ofMinutes(30));
        assertThat(a.priority()).isEqualTo(50);
        assertThat(a.placement()).isEqualTo(Placement.BINPACK);
    }

    @Test
    void constraint_errors_carry_their_index() {
        assertThatThrownBy(() -> req(null, null, List.of(Constraint.eq("os", "linux"), new Constraint("os", "in", null, List.of()))).parse())
                .isInstanceOf(ValidationException.class).hasMessageStartingWith("constraints[1].value: lists no values");
    }

    @Test
    void a_role_guarantee_above_its_limit_is_refused() {
        assertThatThrownBy(() -> new RoleSpec(1.0, new ResourceAmounts("4", null, null, null, null), new ResourceAmounts("2", null, null, null, null)).parse())
                .isInstanceOf(ValidationException.class).hasMessageStartingWith("guarantee.cpus:");
    }

    @Test
    void agent_port_ranges_parse_and_bad_ones_are_named() {
        var spec = new AgentRegistration("m", "4", "8g", null, null, null, null, "20000-20009, 30000", null).parse();
        assertThat(spec.ports()).containsExactly(new AgentRegistration.PortRange(20000, 20009), new AgentRegistration.PortRange(30000, 30000));
        assertThatThrownBy(() -> new AgentRegistration("m", "4", "8g", null, null, null, null, "70000", null).parse())
                .hasMessageStartingWith("ports: '70000' is not a port range within 1-65535");
    }
}
