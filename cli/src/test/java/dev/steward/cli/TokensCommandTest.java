package dev.steward.cli;

import dev.steward.allocator.Server;
import dev.steward.allocator.ServerConfig;
import dev.steward.client.StewardClient;
import dev.steward.client.StewardException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * steward tokens create / tokens / tokens revoke against a real allocator: the new token alone on
 * stdout (a script takes it), its id on stderr, the list by id without values, and a revoked
 * token refused.
 */
class TokensCommandTest {
    @TempDir
    Path dir;

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @Test
    void aTokenMintedListedAndRevokedFromTheCommandLine() throws Exception {
        try (Server a = Server.start(ServerConfig.of(dir.resolve("a")))) {
            StewardClient admin = StewardClient.builder(a.url()).token(a.adminToken()).build();
            admin.call("PUT", "/v1/roles/ci", Map.of("weight", 1), Object.class, false);
            String[] conn = {"--addr", a.url(), "--token", a.adminToken()};

            CliRun created = run(concat(new String[] {"tokens", "create", "ci", "--description", "jenkins controller"}, conn));
            assertThat(created.code()).as(created.err()).isZero();
            String token = created.out().trim();
            assertThat(token).startsWith("str_").doesNotContain("\n");
            assertThat(created.err()).contains("a token for role 'ci' (id ").contains("shown only this once").contains("steward tokens revoke ");
            String id = created.err().replaceAll("(?s).*\\(id ([0-9a-f]{16})\\).*", "$1");
            StewardClient ci = StewardClient.builder(a.url()).token(token).build();
            assertThat(ci.roles()).hasSize(1);

            CliRun listed = run(concat(new String[] {"tokens", "--role", "ci"}, conn));
            assertThat(listed.code()).isZero();
            assertThat(listed.out()).contains(id).contains("role").contains("ci").contains("jenkins controller").doesNotContain(token);

            CliRun revoked = run(concat(new String[] {"tokens", "revoke", id}, conn));
            assertThat(revoked.code()).as(revoked.err()).isZero();
            assertThat(revoked.out()).contains("revoked token " + id + " (role 'ci', jenkins controller)");
            assertThatThrownBy(ci::roles).isInstanceOf(StewardException.class).hasMessageContaining("not known");

            CliRun again = run(concat(new String[] {"tokens", "revoke", id}, conn));
            assertThat(again.code()).isEqualTo(1);
            assertThat(again.err()).contains("steward tokens revoke: no token '" + id + "' (404)");
            CliRun noRole = run(concat(new String[] {"tokens", "create", "nosuchrole"}, conn));
            assertThat(noRole.code()).isEqualTo(1);
            assertThat(noRole.err()).contains("no role 'nosuchrole'");

            CliRun brief = run(concat(new String[] {"tokens", "create", "ci", "--ttl", "90d"}, conn));
            assertThat(brief.code()).as(brief.err()).isZero();
            assertThat(brief.err()).contains("accepted until 20");
            CliRun withExpiry = run(concat(new String[] {"tokens", "--role", "ci"}, conn));
            assertThat(withExpiry.out()).as("the one token listed has its expiry").contains("EXPIRES").doesNotContain("never").doesNotContain("(expired)");
            CliRun tooLong = run(concat(new String[] {"tokens", "create", "ci", "--ttl", "20y"}, conn));
            assertThat(tooLong.code()).isEqualTo(1);
            assertThat(tooLong.err()).contains("ttl");
        }
    }

    @Test
    void aJoinTokenMintedForOneMachineJoinsItAndIsListedUsedUp() throws Exception {
        try (Server a = Server.start(ServerConfig.of(dir.resolve("j")).withStaticJoinToken(false))) {
            String[] conn = {"--addr", a.url(), "--token", a.adminToken()};
            CliRun created = run(concat(new String[] {"tokens", "create", "--join", "--uses", "1", "--ttl", "1h", "--description", "m12"}, conn));
            assertThat(created.code()).as(created.err()).isZero();
            String token = created.out().trim();
            assertThat(token).startsWith("stj_").doesNotContain("\n");
            assertThat(created.err()).contains("a join token (id ").contains("shown only this once, accepted until 20").contains("by 1 agent at most")
                    .contains("steward agent --join-token-file FILE");
            String id = created.err().replaceAll("(?s).*\\(id ([0-9a-f]{16})\\).*", "$1");
            assertThat(run(concat(new String[] {"tokens"}, conn)).out().lines().filter(l -> l.startsWith(id))).singleElement().asString()
                    .contains("join").contains("1 agent more").contains("m12");

            StewardClient join = StewardClient.builder(a.url()).token(token).build();
            join.register(new dev.steward.api.AgentRegistration("m12", "2", "2g", null, null, null, null, "21000-21100", null));
            assertThat(run(concat(new String[] {"tokens"}, conn)).out().lines().filter(l -> l.startsWith(id))).singleElement().asString()
                    .contains("used up").containsPattern("(just now|\\d+s ago) from 127\\.0\\.0\\.1") // its last use, and from where
                    .endsWith("m12; joined m12 from 127.0.0.1"); // where the join came from: a leaked token's use shows
            assertThat(run(concat(new String[] {"tokens"}, conn)).out().lines().findFirst().orElseThrow()).contains("LAST USED");
            assertThatThrownBy(() -> join.register(new dev.steward.api.AgentRegistration("m13", "2", "2g", null, null, null, null, "21200-21300", null)))
                    .isInstanceOf(StewardException.class).hasMessageContaining("joined as many agents as it was minted for");

            CliRun both = run(concat(new String[] {"tokens", "create", "ci", "--join"}, conn));
            assertThat(both.code()).isEqualTo(2);
            assertThat(both.err()).contains("give --join or a ROLE, not both");
            CliRun neither = run(concat(new String[] {"tokens", "create"}, conn));
            assertThat(neither.code()).isEqualTo(2);
            assertThat(neither.err()).contains("give the ROLE to mint a token for, or --join for a join token");
            CliRun usesForARole = run(concat(new String[] {"tokens", "create", "default", "--uses", "3"}, conn));
            assertThat(usesForARole.code()).isEqualTo(2);
            assertThat(usesForARole.err()).contains("--uses: counts a join token's agents; give it with --join");
            CliRun zero = run(concat(new String[] {"tokens", "create", "--join", "--uses", "0"}, conn));
            assertThat(zero.code()).isEqualTo(1);
            assertThat(zero.err()).contains("uses: is 0; a join token joins from 1 to 100000 agents");
        }
    }

    @Test
    void aRolesTokenRotatedWithAGraceThenWithout() throws Exception {
        try (Server a = Server.start(ServerConfig.of(dir.resolve("r")))) {
            StewardClient admin = StewardClient.builder(a.url()).token(a.adminToken()).build();
            admin.call("PUT", "/v1/roles/ci", Map.of("weight", 1), Object.class, false);
            String[] conn = {"--addr", a.url(), "--token", a.adminToken()};
            dev.steward.api.TokenIssued first = admin.createToken("ci", "jenkins", null);

            CliRun graced = run(concat(new String[] {"tokens", "rotate", first.id(), "--grace", "1h"}, conn));
            assertThat(graced.code()).as(graced.err()).isZero();
            String second = graced.out().trim();
            assertThat(second).startsWith("str_").doesNotContain("\n");
            assertThat(graced.err()).contains("a new token for role 'ci' (id ").contains("shown only this once")
                    .contains("token " + first.id() + " stays accepted until 20");
            assertThat(StewardClient.builder(a.url()).token(first.token()).build().roles()).as("within the grace").hasSize(1);
            assertThat(StewardClient.builder(a.url()).token(second).build().roles()).hasSize(1);
            assertThat(run(concat(new String[] {"tokens", "--role", "ci"}, conn)).out().lines().filter(l -> l.startsWith(first.id())))
                    .singleElement().asString().endsWith("jenkins; rotated: token " + graced.err().replaceAll("(?s).*\\(id ([0-9a-f]{16})\\).*", "$1")
                            + " replaced it");

            String secondId = graced.err().replaceAll("(?s).*\\(id ([0-9a-f]{16})\\).*", "$1");
            CliRun now = run(concat(new String[] {"tokens", "rotate", secondId}, conn));
            assertThat(now.code()).as(now.err()).isZero();
            assertThat(now.err()).contains("token " + secondId + " is refused from now on");
            assertThatThrownBy(() -> StewardClient.builder(a.url()).token(second).build().roles()).isInstanceOf(StewardException.class)
                    .hasMessageContaining("the token was rotated");
            assertThat(StewardClient.builder(a.url()).token(now.out().trim()).build().roles()).hasSize(1);

            CliRun twice = run(concat(new String[] {"tokens", "rotate", secondId}, conn));
            assertThat(twice.code()).isEqualTo(1);
            assertThat(twice.err()).contains("was already rotated");
            CliRun badGrace = run(concat(new String[] {"tokens", "rotate", first.id(), "--grace", "2mo"}, conn));
            assertThat(badGrace.code()).isEqualTo(1);
            assertThat(badGrace.err()).contains("grace");
        }
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
