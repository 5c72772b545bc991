package dev.steward.cli;

import dev.steward.allocator.store.SecretKeys;
import dev.steward.allocator.store.SnapshotFile;
import dev.steward.allocator.store.SqliteStore;
import dev.steward.allocator.store.Store;
import dev.steward.client.ReplacedFiles;
import dev.steward.datadir.DataDirLock;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code steward snapshot save FILE} and {@code steward snapshot restore FILE}, as {@code nomad
 * operator snapshot} does: the whole stored state (records, tokens as hashes, task secrets sealed)
 * in one file, and back. Package bytes are not in it.
 */
@Command(name = "snapshot", mixinStandardHelpOptions = true, description = "Save the allocator's whole state to a file, or restore it.",
        subcommands = {SnapshotCommand.Save.class, SnapshotCommand.Restore.class})
final class SnapshotCommand {

    @Command(name = "save", mixinStandardHelpOptions = true,
            description = "Write the allocator's whole state (from the leader, on ZooKeeper) to FILE (admin token).")
    static final class Save implements Callable<Integer> {
        @Mixin
        Connection conn;

        @Parameters(paramLabel = "FILE", description = "Where to write the snapshot")
        Path file;

        @Override
        public Integer call() throws Exception {
            byte[] bytes = conn.client().snapshot();
            Store.Dump d = SnapshotFile.read(bytes); // checked before it replaces anything
            Path abs = file.toAbsolutePath();
            ReplacedFiles.write(abs, bytes, ReplacedFiles.PRIVATE); // the whole state: 0600, as the data directory keeps it
            int rows = d.rows().values().stream().mapToInt(java.util.Map::size).sum();
            java.util.Set<String> keys = SecretKeys.keysSealedIn(d.rows().values().stream().flatMap(m -> m.values().stream()).toList());
            System.out.printf("saved the state at index %d (%d rows, %d KiB) to %s%n", d.index(), rows, (bytes.length + 1023) / 1024, abs);
            if (!keys.isEmpty()) { // the one thing a restore needs that the file does not hold, and that a rotation takes away
                System.out.printf("its secrets are sealed with key %s: keep a copy of the server's secrets.key as it is now with it; a restore needs a "
                        + "keyring that holds %s, and 'steward secrets rotate-key' retires it from the server's%n", String.join(", ", keys),
                        keys.size() == 1 ? "that key" : "those keys");
            }
            return 0;
        }
    }

    @Command(name = "restore", mixinStandardHelpOptions = true,
            description = {"Replace the allocator's whole state with FILE.",
                    "A single server: stop it, then give its --data directory. Allocators on ZooKeeper: give --zookeeper; they may run "
                            + "(the leader steps down, and every server loads the snapshot)."})
    static final class Restore implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(paramLabel = "FILE", description = "A file written by steward snapshot save")
        Path file;

        @Option(names = "--data", description = "The stopped server's data directory")
        Path data;

        @Option(names = "--secrets-key", description = "The keyring the server seals secrets with. Default: secrets.key in --data")
        Path secretsKey;

        @Option(names = "--zookeeper", paramLabel = "HOST:PORT[,HOST:PORT...]", description = "The ensemble the allocators share")
        String zookeeper;

        @Option(names = "--zk-root", description = "Their ZooKeeper path. Default: ${DEFAULT-VALUE}", defaultValue = "/steward")
        String zkRoot;

        @Override
        public Integer call() throws Exception {
            if ((data == null) == (zookeeper == null)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "give --data DIR (a stopped single server) or --zookeeper HOST:PORT (allocators on ZooKeeper)");
            }
            Store.Dump d;
            try {
                d = SnapshotFile.read(Files.readAllBytes(file));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), file + ": " + e.getMessage());
            }
            int rows = d.rows().values().stream().mapToInt(java.util.Map::size).sum();
            if (zookeeper != null) {
                long at = dev.steward.ha.Restore.intoZooKeeper(zookeeper, zkRoot, d);
                System.out.printf("restored the state at index %d (%d rows) into ZooKeeper %s %s at log position %d; "
                        + "the leader steps down and every server loads it%n", d.index(), rows, zookeeper, zkRoot, at);
                return 0;
            }
            Path dir = data.toAbsolutePath().normalize();
            if (running(dir)) {
                System.err.println("steward snapshot restore: the server of " + dir + " is running (it answers at "
                        + Files.readString(dir.resolve("server.addr")).trim() + "); stop it first");
                return 1;
            }
            Path keyFile = secretsKey != null ? secretsKey : dir.resolve("secrets.key");
            String refused = keysMissing(d, keyFile);
            if (refused != null) {
                System.err.println("steward snapshot restore: " + refused);
                return 1;
            }
            Files.createDirectories(dir);
            // held while it writes: a server started meanwhile is refused, and one that runs without answering (its address file gone) refuses this
            try (DataDirLock held = DataDirLock.acquire(dir, "steward snapshot restore"); SqliteStore store = new SqliteStore(dir, SecretKeys.open(keyFile))) {
                store.replaceAll(new Store.Dump(d.index(), d.sequence(), -1, d.schema(), d.rows()));
            } catch (DataDirLock.InUse e) {
                System.err.println("steward snapshot restore: " + e.getMessage());
                return 1;
            }
            System.out.printf("restored the state at index %d (%d rows) into %s; start the server%n", d.index(), rows, dir);
            return 0;
        }

        /**
         * Why the snapshot's sealed secrets would not open with {@code keyFile}, or null when they
         * would (or it holds none). A restore where no key is would make a new key that opens
         * none of them, and the server would then refuse to start; so it is refused here, saying
         * which key to bring, before anything is written.
         */
        static String keysMissing(Store.Dump d, Path keyFile) throws java.io.IOException {
            java.util.Set<String> needed = SecretKeys.keysSealedIn(d.rows().values().stream().flatMap(m -> m.values().stream()).toList());
            if (needed.isEmpty()) {
                return null;
            }
            String bring = "copy the secrets.key of the server it was saved from there (mode 0600), or give --secrets-key FILE; if that server's key "
                    + "was rotated since, only a copy of its secrets.key from before the rotation holds it";
            if (!Files.exists(keyFile)) {
                return "the snapshot holds secrets sealed with key " + String.join(", ", needed) + ", and there is no " + keyFile
                        + ": a new key made here could not open them; " + bring;
            }
            java.util.List<String> held = SecretKeys.open(keyFile).ids();
            java.util.List<String> missing = needed.stream().filter(k -> !held.contains(k)).toList();
            return missing.isEmpty() ? null : "the snapshot holds secrets sealed with key " + String.join(", ", missing) + ", which " + keyFile
                    + " does not hold (it holds " + String.join(", ", held) + "); " + bring;
        }

        private static boolean running(Path dir) {
            Path addr = dir.resolve("server.addr");
            if (!Files.exists(addr)) {
                return false;
            }
            try (java.net.Socket s = new java.net.Socket()) { // plain or TLS, something listening there is the server
                URI u = URI.create(Files.readString(addr).trim());
                s.connect(new java.net.InetSocketAddress(u.getHost(), u.getPort()), 2_000);
                return true;
            } catch (Exception e) {
                return false; // nothing answers: stopped (or gone)
            }
        }
    }
}
