package dev.steward.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Mistakes a new user makes on the command line, answered in one or two lines that say what to type instead. */
class UsageErrorsTest {
    @Test
    void anOptionNearlyNamedIsAnsweredWithTheNameItWasMeantToBe() {
        CliRun r = CliRun.of("deploy", "web", "--env", "prod", "--package", "sha256:" + "0".repeat(64));
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("Unknown options: '--package'").contains("did you mean --package-digest?").contains("see 'steward deploy --help'");
        assertThat(CliRun.of("status", "--bogus").err()).doesNotContain("did you mean"); // nothing near it: no guess
    }

    @Test
    void aCommandOfSubcommandsGivenNoneNamesThemAsTheyAreTyped() {
        CliRun secrets = CliRun.of("secrets");
        assertThat(secrets.code()).isEqualTo(2);
        assertThat(secrets.err()).startsWith("steward secrets: name a subcommand: 'steward secrets set', 'list', 'delete' or 'rotate-key'")
                .contains("see 'steward secrets --help'").doesNotContain("Missing required subcommand");
        assertThat(CliRun.of("snapshot").err()).startsWith("steward snapshot: name a subcommand: 'steward snapshot save' or 'restore'");
    }

    @Test
    void aSecretWrittenAsNameEqualsValueIsRefusedBeforeAnythingIsSentAndTheValueIsNotRepeated() {
        CliRun r = CliRun.of("secrets", "set", "web", "DBPASS=s3cr3t", "--env", "prod", "--addr", "http://127.0.0.1:1", "--token", "x");
        assertThat(r.code()).as("a usage error, before any connection is tried").isEqualTo(2);
        assertThat(r.err()).contains("'DBPASS=...' holds a value").contains("give the name alone ('DBPASS')").contains("--from-file")
                .doesNotContain("s3cr3t");
    }

    @Test
    void portsThatAreNoRangeAreRefusedBeforeAnythingStarts() {
        for (String bad : java.util.List.of("lots", "30000-20000", "70000", ",")) {
            CliRun r = CliRun.of("dev", "--data", "/nonexistent/never-made", "--port", "0", "--ports", bad);
            assertThat(r.code()).as("%s: %s", bad, r.err()).isEqualTo(2);
            assertThat(r.err()).contains("--ports: ");
        }
        assertThat(CliRun.of("demo", "--ports", "x-y").err()).contains("--ports: 'x-y' is not a port or a range such as 20000-29999");
    }
}
