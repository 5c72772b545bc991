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
    void secrets_are_named_with_their_versions() {
        RunSpec base = spec(D1, "1g", null, null, null, null);
        RunSpec a = new RunSpec(D1, null, null, "1", "1g", null, null, null, null, null, null, Map.of("db-password", 1, "api-key", 3));
        RunSpec b = new RunSpec(D1, null, null, "1", "1g", null, null, null, null, null, null, Map.of("db-password", 2, "tls.key", 1));
        assertThat(RunSpecDiff.between(a, b)).containsExactly(
                new DeployPlan.FieldChange("secrets.api-key", "version 3", null),
                new DeployPlan.FieldChange("secrets.db-password", "version 1", "version 2"),
                new DeployPlan.FieldChange("secrets.tls.key", null, "version 1"));
        assertThat(RunSpecDiff.between(base, a.withSecretVersions(Map.of("api-key", 4)))).containsExactly(
                new DeployPlan.FieldChange("secrets.api-key", null, "version 4"),
                new DeployPlan.FieldChange("secrets.db-password", null, "version 1"));
    }

    @Test
    void a_deploy_names_its_secrets_once_each_and_validly() {
        DeployRequest ok = new DeployRequest(D1, null, null, 1, null, null, null, null, null, List.of("db-password", "tls.key"), null, null, null, null,
                null, null, null, null, null, null, null, null, null, null, null, null, null, null);
        assertThat(ok.runSpec().secrets()).containsExactly(Map.entry("db-password", 0), Map.entry("tls.key", 0));
        DeployRequest twice = new DeployRequest(D1, null, null, 1, null, null, null, null, null, List.of("a", "a"), null, null, null, null,
                null, null, null, null, null, null, null, null, null, null, null, null, null, null);
        org.assertj.core.api.Assertions.assertThatThrownBy(twice::runSpec).isInstanceOf(ValidationException.class)
                .hasMessageContaining("secrets[1]").hasMessageContaining("second time");
        DeployRequest bad = new DeployRequest(D1, null, null, 1, null, null, null, null, null, List.of("../etc/passwd"), null, null, null, null,
                null, null, null, null, null, null, null, null, null, null, null, null, null, null);
        org.assertj.core.api.Assertions.assertThatThrownBy(bad::runSpec).isInstanceOf(ValidationException.class)
                .hasMessageContaining("secrets[0]").hasMessageContaining("not a valid secret name");
        java.util.List<String> many = java.util.stream.IntStream.range(0, Validation.MAX_SECRETS + 1).mapToObj(i -> "s" + i).toList();
        DeployRequest tooMany = new DeployRequest(D1, null, null, 1, null, null, null, null, null, many, null, null, null, null,
                null, null, null, null, null, null, null, null, null, null, null, null, null, null);
        org.assertj.core.api.Assertions.assertThatThrownBy(tooMany::runSpec).isInstanceOf(ValidationException.class)
                .hasMessageContaining("secrets").hasMessageContaining("limit of " + Validation.MAX_SECRETS);
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

    @Test
    void a_summary_is_one_line_with_short_digests_and_none_for_what_is_unset() {
        RunSpec a = spec(D1, "1g", List.of("http"), Map.of(), null, null);
        RunSpec b = spec(D2, "1g", null, Map.of("A", "secret"), null, null);
        assertThat(RunSpecDiff.summary(RunSpecDiff.between(a, b)))
                .isEqualTo("packageDigest sha256:aaaaaaaaaaaa -> sha256:bbbbbbbbbbbb; ports [http] -> (none); vars.A (none) -> (set)");
        assertThat(RunSpecDiff.summary(List.of())).isEmpty();
    }
}
