package dev.steward.allocator.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The keyring's steps for a rotation handed over between servers: a key held but not active, handed over sealed, made active, the rest dropped. */
class SecretKeysTest {
    @TempDir
    Path dir;

    @Test
    void aPreparedKeyIsHeldNotActiveAndSurvivesAReopen() throws Exception {
        SecretKeys k = SecretKeys.open(dir.resolve("a.key"));
        String first = k.active();
        String sealed = k.seal("t1", "db", "hunter2");
        String next = k.prepare();
        assertThat(k.active()).as("what is sealed now still uses the old key").isEqualTo(first);
        assertThat(k.ids()).containsExactly(next, first);
        assertThat(k.seal("t1", "db", "x")).startsWith(SecretKeys.PREFIX + first + ":");
        SecretKeys again = SecretKeys.open(dir.resolve("a.key"));
        assertThat(again.ids()).as("durable: the active key last").containsExactly(next, first);
        assertThat(again.open("t1", "db", sealed)).isEqualTo("hunter2");
        assertThat(Files.getPosixFilePermissions(dir.resolve("a.key"))).isEqualTo(PosixFilePermissions.fromString("rw-------"));
    }

    @Test
    void aKeyHandedOverSealedOpensOnAnotherKeyringThatHoldsTheSealingKeyAndThenSealsThere() throws Exception {
        SecretKeys leader = SecretKeys.open(dir.resolve("leader.key"));
        Files.copy(dir.resolve("leader.key"), dir.resolve("follower.key"), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        SecretKeys follower = SecretKeys.open(dir.resolve("follower.key"));
        String old = leader.active();
        String next = leader.prepare();
        String handed = leader.seal("keyring", next, leader.export(next));
        follower.add(follower.open("keyring", next, handed));
        follower.add(follower.open("keyring", next, handed)); // twice: nothing changes
        assertThat(follower.ids()).containsExactly(next, old);
        leader.activate(next);
        String sealed = leader.seal("t1", "db", "hunter2");
        assertThat(follower.open("t1", "db", sealed)).as("what the new key seals on one opens on the other").isEqualTo("hunter2");
        follower.activate(next);
        follower.retire();
        assertThat(SecretKeys.open(dir.resolve("follower.key")).ids()).containsExactly(next);
        assertThatThrownBy(() -> follower.activate(old)).hasMessageContaining("key " + old + " is not in");
    }

    @Test
    void aReloadSeesWhatAnotherHolderOfTheFileWrote() throws Exception {
        SecretKeys one = SecretKeys.open(dir.resolve("shared.key"));
        SecretKeys two = SecretKeys.open(dir.resolve("shared.key"));
        String next = one.prepare();
        one.activate(next);
        one.retire();
        assertThat(two.has(next)).isFalse();
        two.reload();
        assertThat(two.ids()).isEqualTo(List.of(next));
        assertThat(two.active()).isEqualTo(next);
    }

    @Test
    void aKeyThatIsNotOneIsRefused() throws Exception {
        SecretKeys k = SecretKeys.open(dir.resolve("a.key"));
        assertThatThrownBy(() -> k.add("c2hvcnQ=")).hasMessageContaining("not a 256-bit key: 5 bytes");
        assertThatThrownBy(() -> k.add("%%%")).hasMessageContaining("not a key");
        assertThat(k.ids()).hasSize(1);
    }
}
