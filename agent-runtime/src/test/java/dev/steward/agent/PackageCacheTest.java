package dev.steward.agent;

import dev.steward.allocator.Server;
import dev.steward.allocator.ServerConfig;
import dev.steward.api.PackageManifest;
import dev.steward.client.PackageClient;
import dev.steward.client.StewardClient;
import dev.steward.pkg.PackageBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The agent's package cache against a real allocator: size cap, least recently used out first. */
class PackageCacheTest {
    private Path dir;
    private Server server;
    private StewardClient client;
    /** The agent's own client, which the cache downloads with. */
    private AllocatorClient agentClient;
    private final ExecutorService fetchers = Executors.newFixedThreadPool(2);

    @BeforeEach
    void start() throws Exception {
        dir = Files.createTempDirectory("steward-cache");
        server = Server.start(ServerConfig.of(dir.resolve("server")));
        client = StewardClient.builder(server.url()).token(server.adminToken()).build();
        agentClient = new AllocatorClient(server.url(), server.adminToken(), null, false, java.time.Duration.ofMinutes(1), java.time.Duration.ofSeconds(5));
    }

    @AfterEach
    void stop() throws Exception {
        fetchers.shutdownNow();
        server.close();
        Cluster.removeTree(dir, false);
    }

    /** A package of ~100 KB of incompressible bytes. */
    private String pkg(String name) throws Exception {
        Path tree = Files.createDirectories(dir.resolve("tree-" + name));
        byte[] b = new byte[100_000];
        new Random(name.hashCode()).nextBytes(b);
        Files.write(tree.resolve("data.bin"), b);
        Path out = dir.resolve(name + ".tar.zst");
        PackageBuilder.from(tree).manifest(new PackageManifest(null, name, null, "true", null, null, null, null, null)).writeTo(out);
        String digest = PackageClient.digestOf(out);
        client.packages().push(out, digest);
        return digest;
    }

    @Test
    void theLeastRecentlyUsedPackageLeavesFirstWhenTheCapIsPassed() throws Exception {
        String a = pkg("a");
        String b = pkg("b");
        String c = pkg("c");
        PackageCache cache = new PackageCache(dir.resolve("cache"), agentClient, 250_000, fetchers);
        cache.fetch(a).get();
        cache.fetch(b).get();
        cache.fetch(c).get();
        assertThat(Files.exists(cache.file(a))).as("oldest, evicted").isFalse();
        assertThat(Files.exists(cache.file(b))).isTrue();
        assertThat(Files.exists(cache.file(c))).isTrue();
        assertThat(cache.downloads()).isEqualTo(3);
        cache.fetch(b).get(); // b is now more recent than c
        assertThat(cache.downloads()).isEqualTo(3);
        cache.fetch(a).get();
        assertThat(cache.downloads()).isEqualTo(4);
        assertThat(Files.exists(cache.file(c))).as("least recently used").isFalse();
        assertThat(Files.exists(cache.file(b))).isTrue();
        assertThat(Files.exists(cache.file(a))).isTrue();

        PackageCache reopened = new PackageCache(dir.resolve("cache"), agentClient, 250_000, fetchers);
        reopened.fetch(b).get();
        assertThat(reopened.downloads()).as("a restart keeps the cache").isZero();
    }

    @Test
    void unpackingIntoASandboxGivesTheTree() throws Exception {
        String a = pkg("a");
        PackageCache cache = new PackageCache(dir.resolve("cache"), agentClient, 10_000_000, fetchers);
        Path sandbox = dir.resolve("sandbox");
        var u = cache.unpack(a, sandbox, 0).get();
        assertThat(u.manifest().name()).isEqualTo("a");
        assertThat(Files.size(sandbox.resolve("data.bin"))).isEqualTo(100_000);
    }

    @Test
    void aPackageThatExpandsPastTheTasksDiskIsRefusedBeforeItIsWrittenWhole() throws Exception {
        PackageCache cache = new PackageCache(dir.resolve("cache"), agentClient, 10_000_000, fetchers);
        Path tree = java.nio.file.Files.createDirectories(dir.resolve("zeros-tree"));
        try (var out = Files.newOutputStream(tree.resolve("zeros.bin"))) {
            out.write(new byte[3 << 20]); // 3 MiB of zeros: a few KB packed
        }
        Path file = dir.resolve("zeros.tar.zst");
        dev.steward.pkg.PackageBuilder.from(tree).include("zeros.bin").manifest(new dev.steward.api.PackageManifest(null, "zeros", "1", "true",
                null, null, null, null, null)).writeTo(file);
        String digest = dev.steward.client.PackageClient.digestOf(file);
        client.packages().push(file, digest);
        Path sandbox = dir.resolve("small");
        assertThatThrownBy(() -> cache.unpack(digest, sandbox, 2).get()).hasMessageContaining("expands past the limit of 2");
        assertThat(cache.unpack(digest, dir.resolve("big"), 8).get().manifest().name()).isEqualTo("zeros");
    }
}
