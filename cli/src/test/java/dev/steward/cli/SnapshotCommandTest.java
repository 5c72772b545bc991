package dev.steward.cli;

import dev.steward.allocator.Server;
import dev.steward.allocator.ServerConfig;
import dev.steward.client.StewardClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * steward snapshot save, then restore into another (stopped) server's data directory: the same
 * state, the same index; refused, with nothing written, where its secrets would not open.
 */
class SnapshotCommandTest {
    @TempDir
    Path dir;

    private static int run(String... args) {
        return Main.commandLine().execute(args);
    }

    /** Runs the command with its standard error kept in {@code err[0]}; its exit code. */
    private static int runCapturing(String[] err, String... args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream old = System.err;
        System.setErr(new PrintStream(bytes, true));
        try {
            return run(args);
        } finally {
            System.setErr(old);
            err[0] = bytes.toString();
        }
    }

    @Test
    void aSavedSnapshotRestoresIntoAnotherDataDirectoryWithTheSameStateAndIndex() throws Exception {
        Path key = dir.resolve("secrets.key");
        Path file = dir.resolve("state.snap");
        long index;
        List<Object> roles;
        try (Server a = Server.start(ServerConfig.of(dir.resolve("a")).withSecretsKey(key))) {
            StewardClient c = StewardClient.builder(a.url()).token(a.adminToken()).build();
            for (int i = 0; i < 5; i++) {
                c.call("PUT", "/v1/roles/team" + i, Map.of("weight", i + 1), Object.class, false);
            }
            c.call("PUT", "/v1/services/web/prod/secrets/db-password", Map.of("value", "s3cret"), Object.class, false); // sealed with key's key
            CliRun saved = CliRun.of("snapshot", "save", file.toString(), "--addr", a.url(), "--token", a.adminToken());
            assertThat(saved.code()).isZero();
            assertThat(saved.out()).as("what the restore will need, said when the file is made")
                    .contains("its secrets are sealed with key " + dev.steward.allocator.store.SecretKeys.open(key).ids().get(0) + ": keep a copy");
            index = a.engine().index();
            roles = c.get("/v1/roles", new com.fasterxml.jackson.core.type.TypeReference<List<Object>>() { });
            c.call("PUT", "/v1/roles/after-the-save", Map.of("weight", 1), Object.class, false);

            ByteArrayOutputStream err = new ByteArrayOutputStream();
            PrintStream old = System.err;
            System.setErr(new PrintStream(err, true));
            try {
                assertThat(run("snapshot", "restore", file.toString(), "--data", dir.resolve("a").toString(), "--secrets-key", key.toString())).isEqualTo(1);
            } finally {
                System.setErr(old);
            }
            assertThat(err.toString()).contains("is running").contains("stop it first");
        }
        // its secrets open only with the key they were sealed with: a restore that would make a new key, or give another, is refused
        String[] err = new String[1];
        assertThat(runCapturing(err, "snapshot", "restore", file.toString(), "--data", dir.resolve("fresh").toString())).isEqualTo(1);
        assertThat(err[0]).contains("the snapshot holds secrets sealed with key ").contains("there is no " + dir.resolve("fresh").resolve("secrets.key"))
                .contains("copy the secrets.key of the server it was saved from there (mode 0600), or give --secrets-key FILE")
                .contains("only a copy of its secrets.key from before the rotation holds it");
        assertThat(dir.resolve("fresh").resolve("secrets.key")).as("no key was made").doesNotExist();
        assertThat(dir.resolve("fresh").resolve("steward.db")).as("nothing was written").doesNotExist();
        Path other = dir.resolve("other.key");
        dev.steward.allocator.store.SecretKeys.open(other);
        assertThat(runCapturing(err, "snapshot", "restore", file.toString(), "--data", dir.resolve("wrong").toString(), "--secrets-key", other.toString()))
                .isEqualTo(1);
        assertThat(err[0]).contains("which " + other + " does not hold (it holds ");
        // a directory held by a process that does not answer at its address (an agent's, or a server whose server.addr is gone) is refused too
        try (dev.steward.datadir.DataDirLock held = dev.steward.datadir.DataDirLock.acquire(dir.resolve("held"), "an allocator")) {
            assertThat(runCapturing(err, "snapshot", "restore", file.toString(), "--data", held.dir().toString(), "--secrets-key", key.toString()))
                    .isEqualTo(1);
            assertThat(err[0]).contains("steward snapshot restore: the data directory " + held.dir() + " is in use by an allocator");
            assertThat(dir.resolve("held").resolve("steward.db")).as("nothing was written").doesNotExist();
        }
        assertThat(run("snapshot", "restore", file.toString(), "--data", dir.resolve("b").toString(), "--secrets-key", key.toString())).isZero();
        try (Server b = Server.start(ServerConfig.of(dir.resolve("b")).withSecretsKey(key))) {
            StewardClient c = StewardClient.builder(b.url()).token(b.adminToken()).build();
            assertThat(b.engine().index()).isGreaterThanOrEqualTo(index);
            List<Object> restored = c.get("/v1/roles", new com.fasterxml.jackson.core.type.TypeReference<List<Object>>() { });
            assertThat(restored).isEqualTo(roles);
            assertThat(c.get("/v1/services/web/prod/secrets", new com.fasterxml.jackson.core.type.TypeReference<com.fasterxml.jackson.databind.JsonNode>() { })
                    .get(0).path("version").asInt()).isEqualTo(1);
        }
        Files.writeString(dir.resolve("junk.snap"), "not a snapshot");
        assertThat(run("snapshot", "restore", dir.resolve("junk.snap").toString(), "--data", dir.resolve("c").toString())).isEqualTo(2);
    }

    /**
     * The file holds the whole state (token hashes, sealed secrets, every tenant's services), and
     * is often saved to a shared directory: it is made 0600, as the data directory's own files,
     * and a link planted where it writes first is not followed (root saving to /tmp overwrote
     * what a planted {@code FILE.tmp} link named).
     */
    @Test
    void aSnapshotIsSavedPrivateAndThroughNoPlantedLink() throws Exception {
        Path file = dir.resolve("state.snap");
        Path victim = dir.resolve("victim");
        Files.writeString(victim, "keep me");
        Files.createSymbolicLink(dir.resolve("state.snap.tmp"), victim);
        Files.writeString(file, "an older snapshot");
        Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        try (Server a = Server.start(ServerConfig.of(dir.resolve("a")).withSecretsKey(dir.resolve("secrets.key")))) {
            CliRun saved = CliRun.of("snapshot", "save", file.toString(), "--addr", a.url(), "--token", a.adminToken());
            assertThat(saved.code()).as(saved.err()).isZero();
        }
        assertThat(victim).as("the planted link's target").hasContent("keep me");
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(dev.steward.allocator.store.SnapshotFile.read(Files.readAllBytes(file)).index()).isPositive();
        try (java.util.stream.Stream<Path> left = Files.list(dir)) {
            assertThat(left.map(p -> p.getFileName().toString())).as("no temporary file left")
                    .containsExactlyInAnyOrder("a", "secrets.key", "state.snap", "state.snap.tmp", "victim");
        }
    }
}
