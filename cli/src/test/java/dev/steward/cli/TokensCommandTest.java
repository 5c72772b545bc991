package dev.steward.cli;

import dev.steward.allocator.Server;
import dev.steward.allocator.ServerConfig;
import dev.steward.client.StewardClient;
import dev.steward.client.StewardException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
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

    private record Run(int code, String out, String err) {
    }

    private static synchronized Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = Main.commandLine().execute(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void aTokenMintedListedAndRevokedFromTheCommandLine() throws Exception {
        try (Server a = Server.start(ServerConfig.of(dir.resolve("a")))) {
            StewardClient admin = StewardClient.builder(a.url()).token(a.adminToken()).build();
            admin.call("PUT", "/v1/roles/ci", Map.of("weight", 1), Object.class, false);
            String[] conn = {"--addr", a.url(), "--token", a.adminToken()};

            Run created = run(concat(new String[] {"tokens", "create", "ci", "--description", "jenkins controller"}, conn));
            assertThat(created.code()).as(created.err()).isZero();
            String token = created.out().trim();
            assertThat(token).startsWith("str_").doesNotContain("\n");
            assertThat(created.err()).contains("a token for role 'ci' (id ").contains("shown only this once").contains("steward tokens revoke ");
            String id = created.err().replaceAll("(?s).*\\(id ([0-9a-f]{16})\\).*", "$1");
            StewardClient ci = StewardClient.builder(a.url()).token(token).build();
            assertThat(ci.roles()).hasSize(1);

            Run listed = run(concat(new String[] {"tokens", "--role", "ci"}, conn));
            assertThat(listed.code()).isZero();
            assertThat(listed.out()).contains(id).contains("role").contains("ci").contains("jenkins controller").doesNotContain(token);

            Run revoked = run(concat(new String[] {"tokens", "revoke", id}, conn));
            assertThat(revoked.code()).as(revoked.err()).isZero();
            assertThat(revoked.out()).contains("revoked token " + id + " (role 'ci', jenkins controller)");
            assertThatThrownBy(ci::roles).isInstanceOf(StewardException.class).hasMessageContaining("not known");

            Run again = run(concat(new String[] {"tokens", "revoke", id}, conn));
            assertThat(again.code()).isEqualTo(1);
            assertThat(again.err()).contains("steward tokens revoke: no token '" + id + "' (404)");
            Run noRole = run(concat(new String[] {"tokens", "create", "nosuchrole"}, conn));
            assertThat(noRole.code()).isEqualTo(1);
            assertThat(noRole.err()).contains("no role 'nosuchrole'");
        }
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
