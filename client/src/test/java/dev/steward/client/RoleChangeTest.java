package dev.steward.client;

import dev.steward.allocator.Server;
import dev.steward.allocator.ServerConfig;
import dev.steward.api.RoleInfo;
import dev.steward.api.RoleSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A role changed on the role as it is, against a real allocator: another admin's write lands
 * between this change's read and its write (made from inside the change, so the race is the
 * same every run), and neither change is lost.
 */
class RoleChangeTest {
    private Path dir;
    private Server server;
    private StewardClient mine;
    private StewardClient other;

    @BeforeEach
    void start() throws Exception {
        dir = Files.createTempDirectory("steward-role-change");
        server = Server.start(ServerConfig.of(dir));
        mine = StewardClient.builder(server.url()).token(server.adminToken()).build();
        other = StewardClient.builder(server.url()).token(server.adminToken()).build();
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        try (var all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private static RoleSpec withWeight(RoleInfo r, double weight) {
        return new RoleSpec(weight, r.guarantee(), r.limit(), r.users(), r.maxPriority());
    }

    @Test
    void a_write_between_the_read_and_the_write_is_kept_and_the_change_made_again_on_it() throws Exception {
        other.putRole("ci", new RoleSpec(1.0, null, null, List.of(), 1000));
        AtomicInteger calls = new AtomicInteger();
        RoleChange.Result r = mine.changeRole("ci", current -> {
            if (calls.incrementAndGet() == 1) { // another admin sets the priority after this change read the role
                other.putRole("ci", new RoleSpec(current.weight(), current.guarantee(), current.limit(), current.users(), 100));
            }
            return withWeight(current, 3.0);
        });
        assertThat(calls).as("made twice: the first write was refused, nothing written").hasValue(2);
        assertThat(r.before().maxPriority()).as("the second time, on the role as the other admin left it").isEqualTo(100);
        RoleInfo now = other.get(Paths.v1("roles", "ci"), new com.fasterxml.jackson.core.type.TypeReference<RoleInfo>() { });
        assertThat(now.weight()).isEqualTo(3.0);
        assertThat(now.maxPriority()).as("the other admin's change is not undone").isEqualTo(100);
        assertThat(r.after().modifyIndex()).isEqualTo(now.modifyIndex());
    }

    @Test
    void a_role_made_by_someone_else_between_the_read_and_the_write_is_changed_not_replaced() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        RoleChange.Result r = mine.changeRole("new", current -> {
            if (calls.incrementAndGet() == 1) {
                assertThat(current).isNull();
                other.putRole("new", new RoleSpec(1.0, null, null, List.of("builder"), 1000));
                return new RoleSpec(2.0, null, null, List.of(), null);
            }
            return withWeight(current, 2.0);
        });
        assertThat(calls).hasValue(2);
        assertThat(r.before()).isNotNull();
        assertThat(r.after().weight()).isEqualTo(2.0);
        assertThat(r.after().users()).containsExactly("builder");
    }

    @Test
    void a_role_changed_under_every_attempt_is_left_as_the_others_made_it_and_the_reason_said() throws Exception {
        other.putRole("busy", new RoleSpec(1.0, null, null, List.of(), 1000));
        AtomicInteger calls = new AtomicInteger();
        assertThatThrownBy(() -> mine.changeRole("busy", current -> {
            int n = calls.incrementAndGet();
            other.putRole("busy", new RoleSpec(current.weight(), current.guarantee(), current.limit(), current.users(), n));
            return withWeight(current, 9.0);
        })).isInstanceOfSatisfying(StewardException.class, e -> {
            assertThat(e.status()).isEqualTo(412);
            assertThat(e.getMessage()).contains("role 'busy' was changed by someone else each of the 5 times").contains("nothing was changed: try again");
        });
        assertThat(calls).hasValue(RoleChange.ATTEMPTS);
        RoleInfo now = other.get(Paths.v1("roles", "busy"), new com.fasterxml.jackson.core.type.TypeReference<RoleInfo>() { });
        assertThat(now.weight()).isEqualTo(1.0);
        assertThat(now.maxPriority()).isEqualTo(5);
    }
}
