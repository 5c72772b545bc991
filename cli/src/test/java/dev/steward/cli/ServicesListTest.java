package dev.steward.cli;

import dev.steward.allocator.Server;
import dev.steward.allocator.ServerConfig;
import dev.steward.api.DeploymentInfo;
import dev.steward.client.StewardClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code steward services} and {@code steward status} against a real allocator: a service whose
 * last rollout did not succeed says so where it is listed; a service's priority, set and changed
 * with {@code steward deploy --priority}, is shown where it is not the default.
 */
class ServicesListTest {
    @TempDir
    Path dir;

    /** An allocator with no agent (a deployment stays under way), whose heartbeat grace outlasts the test. */
    private Server server() throws java.io.IOException {
        return Server.start(ServerConfig.of(dir.resolve("data")).withHeartbeatGrace(java.time.Duration.ofMinutes(5)));
    }

    /** The demo's sleeper app as v1, pushed to the allocator; its digest. */
    private String pushSleeper(StewardClient admin) throws Exception {
        Path v1 = DemoApps.sleeper(dir, "v1");
        String d1 = dev.steward.client.PackageClient.digestOf(v1);
        admin.packages().push(v1, d1);
        return d1;
    }

    @Test
    void a_service_whose_last_deployment_was_aborted_lists_it_with_its_state_and_reason() throws Exception {
        try (Server s = server()) {
            StewardClient admin = StewardClient.builder(s.url()).token(s.adminToken()).build();
            String d1 = pushSleeper(admin);
            // no agent: the deployment stays under way until it is aborted
            CliRun started = CliRun.of(CliRun.with(s, "deploy", "web", "--env", "staging", "--package-digest", d1, "--instances", "2", "--detach"));
            assertThat(started.code()).as(started.err()).isZero();
            String id = started.out().trim();
            assertThat(CliRun.of(CliRun.with(s, "services")).out()).containsPattern("web/staging +default +1 +0/2 +" + id + " RUNNING");
            assertThat(CliRun.of(CliRun.with(s, "services", "web", "--env", "staging")).out())
                    .startsWith("web/staging: revision 1 runs (stable none), 0 of 2 instances available; deployment " + id + " is running");

            assertThat(CliRun.of(CliRun.with(s, "rollout", "abort", id)).code()).isZero();
            DeploymentInfo aborted = admin.deployments().deployment(id);
            // before, the list showed an empty DEPLOYMENT column, as for a service whose last rollout had succeeded
            assertThat(CliRun.of(CliRun.with(s, "services")).out()).containsPattern("web/staging +default +1 +0/2 +" + id + " ABORTED");
            assertThat(CliRun.of(CliRun.with(s, "status")).out()).containsPattern("web/staging +default +1 +0/2 +" + id + " ABORTED");
            CliRun one = CliRun.of(CliRun.with(s, "services", "web", "--env", "staging"));
            assertThat(one.out()).startsWith("web/staging: revision 1 runs (stable none), 0 of 2 instances available; its last deployment, " + id
                    + ", was aborted: " + aborted.reason() + "\n");
            assertThat(CliRun.of(CliRun.with(s, "services", "web", "--env", "staging", "-o", "json")).out()).contains("\"lastDeployment\"")
                    .contains("\"state\" : \"ABORTED\"");
        }
    }

    @Test
    void a_service_scaled_to_nothing_says_so_instead_of_an_empty_table() throws Exception {
        try (Server s = server()) {
            StewardClient admin = StewardClient.builder(s.url()).token(s.adminToken()).build();
            String d1 = pushSleeper(admin);
            CliRun none = CliRun.of(CliRun.with(s, "deploy", "web", "--env", "staging", "--package-digest", d1, "--instances", "0", "--detach"));
            assertThat(none.code()).as(none.err()).isZero();
            String out = CliRun.of(CliRun.with(s, "services", "web", "--env", "staging")).out();
            assertThat(out).contains("\nno instances run (0 instances wanted)\n").contains("\nENDPOINTS: none\n")
                    .doesNotContain("INSTANCE").doesNotContain("logs of one");
        }
    }

    @Test
    void a_services_priority_is_set_changed_and_shown() throws Exception {
        try (Server s = server()) {
            StewardClient admin = StewardClient.builder(s.url()).token(s.adminToken()).build();
            String d1 = pushSleeper(admin);
            CliRun bad = CliRun.of(CliRun.with(s, "deploy", "web", "--env", "prod", "--package-digest", d1, "--priority", "2000", "--detach"));
            assertThat(bad.code()).as(bad.err()).isEqualTo(2);
            assertThat(bad.err()).contains("priority: is 2000; it must be from 0 to 1000");
            assertThat(admin.deployments().services()).as("nothing was made").isEmpty();

            CliRun started = CliRun.of(CliRun.with(s, "deploy", "web", "--env", "prod", "--package-digest", d1, "--priority", "700", "--detach"));
            assertThat(started.code()).as(started.err()).isZero();
            assertThat(CliRun.of(CliRun.with(s, "services", "web", "--env", "prod")).out())
                    .startsWith("web/prod: revision 1 runs (stable none), 0 of 1 instances available, priority 700;");
            CliRun plan = CliRun.of(CliRun.with(s, "deploy", "web", "--env", "prod", "--priority", "100", "--dry-run"));
            assertThat(plan.code()).as(plan.err()).isZero();
            assertThat(plan.out()).contains("would set priority 100 (was 700); nothing else to do: revision 1 is already rolling out");
            CliRun lowered = CliRun.of(CliRun.with(s, "deploy", "web", "--env", "prod", "--priority", "100", "--detach"));
            assertThat(lowered.code()).as(lowered.err()).isZero();
            assertThat(lowered.out() + lowered.err()).contains("priority 100 (was 700; 1 instance waiting for a place now asks at it)");
            assertThat(admin.deployments().service("web", "prod").priority()).isEqualTo(100);
        }
    }
}
