package dev.steward.steps;

import dev.steward.api.DeployRequest;
import dev.steward.api.Endpoint;
import dev.steward.client.StewardException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The deleteService step's behaviour on a real agent: the instances' processes stop, the wait
 * ends when the service is gone, the log says how it went; a service that is not there is
 * nothing to do when the pipeline says so, and a failure with the reason otherwise.
 */
class ServiceDeleteTest {
    private TestCluster c;

    @BeforeEach
    void start() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "python3 is not installed at /usr/bin/python3 (.ci/run installs it)");
        c = new TestCluster();
    }

    @AfterEach
    void stop() throws Exception {
        if (c != null) {
            c.close();
        }
    }

    @Test
    void a_service_is_deleted_and_waited_for_and_a_missing_one_is_nothing_to_do_when_asked() throws Exception {
        String v1 = c.webapp("v1", Map.of());
        DeployRequest d = new DeployRequest(v1, null, null, 2, "0.25", "64m", null, null, null, null, null, null, null, null, null, null, null, null, null, "1s",
                "30s", null, null, null, null, null, null, null);
        assertThat(DeployWatch.start(c.admin, "webapp", "pr-7", d, c.listener).follow(Duration.ofMinutes(2)).succeeded()).isTrue();
        List<Endpoint> ends = c.admin.deployments().endpoints("webapp", "pr-7");
        assertThat(ends).hasSize(2).allMatch(ServiceDeleteTest::answers);

        ServiceDelete del = ServiceDelete.start(c.admin, "webapp", "pr-7", true, c.listener);
        assertThat(del.missing()).isFalse();
        Clock clock = Clock.systemUTC();
        assertThat(del.awaitGoneAsync(clock.instant().plusSeconds(60), clock).get(90, TimeUnit.SECONDS)).as("gone").isTrue();
        assertThat(ends).noneMatch(ServiceDeleteTest::answers);
        assertThat(c.lines).anyMatch(l -> l.equals("steward: deleting webapp/pr-7: 2 instances stopping"))
                .anyMatch(l -> l.equals("steward: deleted webapp/pr-7"));

        ServiceDelete again = ServiceDelete.start(c.admin, "webapp", "pr-7", true, c.listener);
        assertThat(again.missing()).isTrue();
        assertThat(again.awaitGoneAsync(clock.instant().plusSeconds(1), clock).get(5, TimeUnit.SECONDS)).isTrue();
        assertThat(c.lines).anyMatch(l -> l.contains("there is no service webapp/pr-7") && l.contains("nothing to delete"));
        assertThatThrownBy(() -> ServiceDelete.start(c.admin, "webapp", "pr-7", false, c.listener)).isInstanceOf(StewardException.class)
                .hasMessageContaining("webapp/pr-7");
    }

    private static boolean answers(Endpoint e) {
        try (Socket so = new Socket()) {
            so.connect(new InetSocketAddress(e.host(), e.ports().values().iterator().next()), 2000);
            return true;
        } catch (java.io.IOException x) {
            return false;
        }
    }
}
