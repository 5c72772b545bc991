package dev.steward.api;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class RunSpecDiffTest {
    private static final String D1 = "sha256:" + "a".repeat(64);
    private static final String D2 = "sha256:" + "b".repeat(64);

    private static RunSpec spec(String digest, String memory, List<String> ports, Map<String, String> vars, HealthCheck hc, String command) {
        return new RunSpec(digest, command, null, "1", memory, null, ports, vars, hc, null, null);
    }

    @Test
    void equal_specs_differ_in_nothing_and_an_empty_list_is_none() {
        RunSpec a = spec(D1, "1g", List.of(), Map.of(), null, null);
        RunSpec b = spec(D1, "1g", null, null, null, null);
        assertThat(RunSpecDiff.between(a, b)).isEmpty();
    }

    @Test
    void fields_come_in_a_fixed_order_with_both_values() {
        RunSpec a = spec(D1, "1g", List.of("http"), Map.of(), null, null);
        RunSpec b = spec(D2, "2g", List.of("http", "admin"), Map.of(), null, null);
        assertThat(RunSpecDiff.between(a, b)).containsExactly(
                new DeployPlan.FieldChange("packageDigest", D1, D2),
                new DeployPlan.FieldChange("memory", "1g", "2g"),
                new DeployPlan.FieldChange("ports", "[http]", "[http, admin]"));
    }

    @Test
    void variables_are_named_never_shown() {
        RunSpec a = spec(D1, "1g", null, Map.of("KEEP", "k", "GONE", "secret-old", "CHANGED", "secret-1"), null, null);
        RunSpec b = spec(D1, "1g", null, Map.of("KEEP", "k", "NEW", "secret-new", "CHANGED", "secret-2"), null, null);
        List<DeployPlan.FieldChange> d = RunSpecDiff.between(a, b);
        assertThat(d).containsExactly(
                new DeployPlan.FieldChange("vars.CHANGED", "(set)", "(changed)"),
                new DeployPlan.FieldChange("vars.GONE", "(set)", null),
                new DeployPlan.FieldChange("vars.NEW", null, "(set)"));
        assertThat(d.toString()).doesNotContain("secret");
    }

    @Test
    void a_record_is_shown_without_its_unset_fields_and_a_long_value_is_cut() {
        HealthCheck hc = new HealthCheck("http", "/health", "http", null, null, null, null, null);
        RunSpec a = spec(D1, "1g", null, null, null, null);
        RunSpec b = spec(D1, "1g", null, null, hc, "x".repeat(500));
        List<DeployPlan.FieldChange> d = RunSpecDiff.between(a, b);
        assertThat(d.get(0).field()).isEqualTo("command");
        assertThat(d.get(0).to()).hasSize(RunSpecDiff.MAX_QUOTED + " (500 characters)".length() + 3).endsWith("... (500 characters)");
        assertThat(d.get(1)).isEqualTo(new DeployPlan.FieldChange("healthCheck", null, "{type=http, path=/health, port=http}"));
    }

    @Test
    void against_nothing_every_set_field_is_new() {
        RunSpec b = spec(D1, "1g", List.of("http"), Map.of("A", "1"), null, null);
        assertThat(RunSpecDiff.between(null, b)).extracting(DeployPlan.FieldChange::field).containsExactly("packageDigest", "cpus", "memory", "ports", "vars.A");
    }
}
