package dev.steward.cli;

import dev.steward.api.InstanceInfo;
import dev.steward.api.InstanceState;
import dev.steward.api.ServiceInfo;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What {@code steward services APP --env ENV} says of a service short of the instances it wants:
 * how many are missing, the last to fail or be lost and why, and how long the replacement
 * backoff still holds. Before, a crash-looping service showed "no instances run (2 instances
 * wanted)" between its replacements, and nothing of why.
 */
class ServiceLinesTest {
    private static final Instant NOW = Instant.parse("2026-12-07T14:24:00Z");

    private static ServiceInfo service(int wanted, int replacements, Instant replaceNotBefore) {
        return new ServiceInfo("bad/staging", "bad", "staging", "default", wanted, 1, null, null, null, 0, 0, 0, NOW.minusSeconds(600), NOW, 1, 2,
                null, null, 50, replacements, replaceNotBefore);
    }

    private static InstanceInfo instance(String id, InstanceState state, String reason, Instant endedAt) {
        return new InstanceInfo(id, "bad/staging", 1, "sha256:ab", null, state, "r-" + id, "a-" + id, "t-" + id, "m1", "127.0.0.1", Map.of("http", 20000),
                null, null, reason, false, NOW.minusSeconds(300), endedAt, null, null, 1, 2);
    }

    @Test
    void a_service_with_none_running_names_the_last_to_fail_and_how_long_its_replacement_waits() {
        List<InstanceInfo> all = List.of(
                instance("i1", InstanceState.FAILED, "exited with code 3 (stderr: fatal: no config)", NOW.minusSeconds(50)),
                instance("i2", InstanceState.STOPPED, "stopped: scaled down", NOW.minusSeconds(5)),
                instance("i3", InstanceState.LOST, "its allocation ended: LOST, agent m1 missed heartbeats", NOW.minusSeconds(20)));
        assertThat(ServiceLines.shortfall(service(2, 9, NOW.plusMillis(41_500)), all, 0, NOW)).isEqualTo("no instances run (2 instances wanted): "
                + "the last to end, i3 (revision 1), was lost: its allocation ended: LOST, agent m1 missed heartbeats; its replacement waits 42 s more, "
                + "the backoff after 9 replacements (2 s, doubling to at most 60 s; a deploy or 10 calm minutes start it over)");
    }

    @Test
    void a_service_short_of_one_says_so_without_a_backoff_once_it_has_passed() {
        List<InstanceInfo> all = List.of(instance("i1", InstanceState.FAILED, "exited with code 1", NOW.minusSeconds(2)),
                instance("i2", InstanceState.HEALTHY, "available", null));
        assertThat(ServiceLines.shortfall(service(2, 1, NOW.minusSeconds(1)), all, 1, NOW))
                .isEqualTo("1 of the 2 instances wanted does not run: the last to end, i1 (revision 1), failed: exited with code 1");
    }

    @Test
    void nothing_is_said_of_a_service_that_runs_what_it_wants_or_is_being_deleted() {
        assertThat(ServiceLines.shortfall(service(1, 0, null), List.of(instance("i2", InstanceState.HEALTHY, "available", null)), 1, NOW)).isNull();
        assertThat(ServiceLines.shortfall(service(0, 0, null), List.of(), 0, NOW)).isNull();
        ServiceInfo s = service(2, 0, null);
        ServiceInfo deleting = new ServiceInfo(s.name(), s.app(), s.env(), s.role(), 2, 1, null, null, null, 0, 0, 0, s.createdAt(), NOW, 1, 2, NOW, null, 50,
                0, null);
        assertThat(ServiceLines.shortfall(deleting, List.of(), 0, NOW)).isNull();
    }
}
