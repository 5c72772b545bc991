package dev.steward.client;

import dev.steward.allocator.Server;
import dev.steward.allocator.ServerConfig;
import dev.steward.allocator.packages.PackagePolicy;
import dev.steward.api.AllocateRequest;
import dev.steward.api.PackageInfo;
import dev.steward.api.PackageManifest;
import dev.steward.api.RequestInfo;
import dev.steward.api.TaskInfo;
import dev.steward.api.TaskSpec;
import dev.steward.pkg.BuiltPackage;
import dev.steward.pkg.PackageBuilder;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The artifact store over real HTTP on loopback: upload, dedup, refusals, ranges, garbage collection. */
class ArtifactStoreTest {
    private Path dir;
    private Path work;
    private Server server;
    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-27T12:00:00Z"));
    private StewardClient admin;

    /** A clock the test moves; the allocator takes its "now" from it. */
    private final Clock clock = new Clock() {
        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    };

    /**
     * The ticker is held: these tests move the clock by days, past the heartbeat grace and the
     * retention of ended allocations, and a running ticker would lose the agent that never
     * heartbeats or forget the released allocation between two calls, by chance. Time acts
     * only where a test calls {@code server.tick()}.
     */
    @BeforeEach
    void start() throws Exception {
        dir = Files.createTempDirectory("steward-packages");
        work = Files.createTempDirectory("steward-packages-work");
        server = Server.start(ServerConfig.of(dir).withPackages(new PackagePolicy(64L << 20, Duration.ofDays(3), Duration.ofHours(1))).withoutTicker(), clock);
        admin = StewardClient.builder(server.url()).token(server.adminToken()).retryBudget(Duration.ofSeconds(5)).build();
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        for (Path p : List.of(dir, work)) {
            try (var all = Files.walk(p)) {
                all.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    private BuiltPackage build(String name, String content) throws Exception {
        Path tree = Files.createDirectories(work.resolve("tree-" + name));
        Files.writeString(tree.resolve("run.sh"), content);
        return PackageBuilder.from(tree).manifest(new PackageManifest(null, name, "1", "sh run.sh", Map.of("GREETING", "hi"), null, null, null, null))
                .writeTo(work.resolve(name + ".tar.zst"));
    }

    private List<String> files(String sub) throws Exception {
        try (var s = Files.list(dir.resolve("packages").resolve(sub))) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void uploadOnceThenHeadSaysStoredAndPushSkipsTheBytes() throws Exception {
        BuiltPackage p = build("web", "echo hi");
        PackageClient pc = admin.packages();
        assertThat(pc.exists(p.digest())).isFalse();
        PackageClient.Pushed first = pc.push(work.resolve("web.tar.zst"), p.digest());
        assertThat(first.uploaded()).isTrue();
        assertThat(first.info().size()).isEqualTo(p.size());
        assertThat(first.info().manifest().name()).isEqualTo("web");
        assertThat(first.info().files()).isEqualTo(1);
        assertThat(pc.exists(p.digest())).isTrue();
        PackageClient.Pushed again = pc.push(work.resolve("web.tar.zst"), p.digest());
        assertThat(again.uploaded()).isFalse();
        assertThat(pc.list()).extracting(PackageInfo::digest).containsExactly(p.digest());
        try (Response r = admin.http().newCall(new Request.Builder().url(server.url() + "/v1/packages/" + p.digest()).head().build()).execute()) {
            assertThat(r.code()).isEqualTo(200);
            assertThat(r.header("Content-Length")).isEqualTo(Long.toString(p.size()));
            assertThat(r.header("ETag")).isEqualTo("\"" + p.digest() + "\"");
        }
    }

    @Test
    void aDigestMismatchIsRefusedAndNothingIsStored() throws Exception {
        BuiltPackage p = build("web", "echo hi");
        BuiltPackage other = build("api", "echo other");
        assertThatThrownBy(() -> admin.packages().upload(work.resolve("api.tar.zst"), p.digest()))
                .isInstanceOfSatisfying(StewardException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.getMessage()).contains("the bytes have digest " + other.digest() + ", not " + p.digest());
                });
        assertThat(admin.packages().exists(p.digest())).isFalse();
        assertThat(files("sha256")).isEmpty();
        assertThat(files("incoming")).isEmpty();
    }

    @Test
    void bytesThatAreNotAPackageAreRefusedWithTheReason() throws Exception {
        Path junk = work.resolve("junk");
        Files.writeString(junk, "not a package");
        String d = PackageClient.digestOf(junk);
        assertThatThrownBy(() -> admin.packages().upload(junk, d)).isInstanceOfSatisfying(StewardException.class, e -> {
            assertThat(e.status()).isEqualTo(422);
            assertThat(e.getMessage()).contains("not zstd-compressed");
        });
        assertThatThrownBy(() -> admin.packages().upload(junk, "sha256:123")).hasMessageContaining("is not a package digest");
        assertThat(files("sha256")).isEmpty();
    }

    @Test
    void anInterruptedUploadLeavesNothing() throws Exception {
        BuiltPackage p = build("web", "x".repeat(200_000));
        byte[] bytes = Files.readAllBytes(work.resolve("web.tar.zst"));
        var url = java.net.URI.create(server.url());
        try (Socket s = new Socket(url.getHost(), url.getPort())) {
            OutputStream out = s.getOutputStream();
            out.write(("PUT /v1/packages/" + p.digest() + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + server.adminToken()
                    + "\r\nContent-Length: " + (bytes.length + 1_000_000) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(bytes);
            out.flush();
            await().atMost(Duration.ofSeconds(10)).until(() -> files("incoming").size() == 1); // the upload is under way
        } // the client goes away mid-body
        await().atMost(Duration.ofSeconds(10)).until(() -> files("incoming").isEmpty());
        assertThat(files("sha256")).isEmpty();
        assertThat(admin.packages().exists(p.digest())).isFalse();
        assertThat(admin.packages().push(work.resolve("web.tar.zst"), p.digest()).uploaded()).isTrue();
    }

    @Test
    void downloadsServeRangesAndResumeAPartialFile() throws Exception {
        BuiltPackage p = build("web", "y".repeat(100_000) + Math.random());
        admin.packages().push(work.resolve("web.tar.zst"), p.digest());
        byte[] all = Files.readAllBytes(work.resolve("web.tar.zst"));
        try (Response r = admin.http().newCall(new Request.Builder().url(server.url() + "/v1/packages/" + p.digest())
                .header("Range", "bytes=10-19").build()).execute()) {
            assertThat(r.code()).isEqualTo(206);
            assertThat(r.header("Content-Range")).isEqualTo("bytes 10-19/" + all.length);
            assertThat(r.body().bytes()).isEqualTo(java.util.Arrays.copyOfRange(all, 10, 20));
        }
        try (Response r = admin.http().newCall(new Request.Builder().url(server.url() + "/v1/packages/" + p.digest())
                .header("Range", "bytes=" + all.length + "-").build()).execute()) {
            assertThat(r.code()).isEqualTo(416);
            assertThat(r.header("Content-Range")).isEqualTo("bytes */" + all.length);
        }
        Path target = work.resolve("got.tar.zst");
        Files.write(work.resolve("got.tar.zst.part"), java.util.Arrays.copyOf(all, all.length / 3));
        assertThat(admin.packages().download(p.digest(), target)).isEqualTo(all.length);
        assertThat(Files.readAllBytes(target)).isEqualTo(all);
        assertThat(Files.exists(work.resolve("got.tar.zst.part"))).isFalse();
        Files.write(work.resolve("bad.tar.zst.part"), "garbage that is not the start".getBytes());
        assertThatThrownBy(() -> admin.packages().download(p.digest(), work.resolve("bad.tar.zst"))).hasMessageContaining("downloaded bytes have digest");
        assertThat(Files.exists(work.resolve("bad.tar.zst.part"))).isFalse();
        assertThat(admin.packages().download(p.digest(), work.resolve("bad.tar.zst"))).isEqualTo(all.length);
        // a link planted at the partial file's name is neither resumed from nor written through
        Path victim = Files.writeString(work.resolve("victim"), "keep me");
        Files.createSymbolicLink(work.resolve("linked.tar.zst.part"), victim);
        assertThat(admin.packages().download(p.digest(), work.resolve("linked.tar.zst"))).isEqualTo(all.length);
        assertThat(victim).hasContent("keep me");
        assertThat(Files.readAllBytes(work.resolve("linked.tar.zst"))).isEqualTo(all);
    }

    @Test
    void unreferencedPackagesAreCollectedAfterTheRetentionAndReferencedOnesAreKept() throws Exception {
        BuiltPackage unused = build("old", "echo old");
        BuiltPackage used = build("web", "echo web");
        admin.packages().push(work.resolve("old.tar.zst"), unused.digest());
        admin.packages().push(work.resolve("web.tar.zst"), used.digest());
        admin.call("POST", "/v1/agents", new dev.steward.api.AgentRegistration("m1", "4", "4g", null, null, null, null, null, null),
                com.fasterxml.jackson.databind.JsonNode.class, false);
        RequestInfo req = admin.submit(new AllocateRequest(null, null, 1, "1", "1g", null, null, null, null, null, null, null, null, null, null, "30d"));
        String alloc = req.allocations().get(0);
        TaskInfo t = admin.call("POST", "/v1/allocations/" + alloc + "/tasks",
                new TaskSpec("web", null, null, Map.of("EXTRA", "1"), null, null, null, null, used.digest()), TaskInfo.class, false);
        assertThat(t.spec().command()).isEqualTo("/bin/sh");
        assertThat(t.spec().args()).containsExactly("-c", "sh run.sh");
        assertThat(t.spec().env()).containsEntry("GREETING", "hi").containsEntry("EXTRA", "1");

        now.set(now.get().plus(Duration.ofDays(2)));
        assertThat(gc()).isEmpty();
        now.set(now.get().plus(Duration.ofDays(2)));
        assertThat(gc()).containsExactly(unused.digest());
        assertThat(admin.packages().exists(unused.digest())).isFalse();
        assertThat(files("sha256")).containsExactly(used.digest().substring(7));
        assertThat(admin.packages().info(used.digest()).referenced()).isTrue();

        admin.release(alloc);
        now.set(now.get().plus(Duration.ofDays(2)));
        assertThat(gc()).isEmpty(); // last used when the sweep saw it referenced
        now.set(now.get().plus(Duration.ofDays(2)));
        assertThat(gc()).containsExactly(used.digest());
        assertThat(files("sha256")).isEmpty();

        assertThatThrownBy(() -> admin.call("POST", "/v1/allocations/" + alloc + "/tasks",
                new TaskSpec("again", null, null, null, null, null, null, null, used.digest()), TaskInfo.class, false))
                .hasMessageContaining("has ended");

        server.tick(); // 8 days after the release: past the retention, the ended allocation is forgotten
        assertThatThrownBy(() -> admin.call("POST", "/v1/allocations/" + alloc + "/tasks",
                new TaskSpec("again", null, null, null, null, null, null, null, used.digest()), TaskInfo.class, false))
                .isInstanceOfSatisfying(StewardException.class, e -> assertThat(e.status()).isEqualTo(404));
    }

    @Test
    void aTaskNamingAPackageThatIsNotStoredIsRefusedWithWhatToDo() throws Exception {
        admin.call("POST", "/v1/agents", new dev.steward.api.AgentRegistration("m1", "4", "4g", null, null, null, null, null, null),
                com.fasterxml.jackson.databind.JsonNode.class, false);
        String alloc = admin.submit(AllocateRequest.of("1", "1g", 1)).allocations().get(0);
        assertThatThrownBy(() -> admin.call("POST", "/v1/allocations/" + alloc + "/tasks",
                new TaskSpec("web", null, null, null, null, null, null, null, "sha256:" + "a".repeat(64)), TaskInfo.class, false))
                .isInstanceOfSatisfying(StewardException.class, e -> {
                    assertThat(e.status()).isEqualTo(409);
                    assertThat(e.getMessage()).contains("is not stored on this allocator").contains("steward package --upload");
                });
    }

    @Test
    void aRestartKeepsStoredPackagesAndDropsFilesWithoutARecord() throws Exception {
        BuiltPackage p = build("web", "echo hi");
        admin.packages().push(work.resolve("web.tar.zst"), p.digest());
        server.close();
        Files.writeString(dir.resolve("packages/sha256").resolve("f".repeat(64)), "published, then a crash before its record");
        Files.writeString(dir.resolve("packages/incoming").resolve("x.part"), "half an upload");
        server = Server.start(ServerConfig.of(dir).withBind(new java.net.InetSocketAddress("127.0.0.1", 0)), clock);
        admin = StewardClient.builder(server.url()).token(server.adminToken()).retryBudget(Duration.ofSeconds(5)).build();
        assertThat(admin.packages().exists(p.digest())).isTrue();
        assertThat(files("sha256")).containsExactly(p.digest().substring(7));
        assertThat(files("incoming")).isEmpty();
        Path back = work.resolve("back.tar.zst");
        admin.packages().download(p.digest(), back);
        assertThat(Files.readAllBytes(back)).isEqualTo(Files.readAllBytes(work.resolve("web.tar.zst")));
    }

    @SuppressWarnings("unchecked")
    private List<String> gc() throws Exception {
        Map<String, Object> r = admin.call("POST", "/v1/packages/gc", null, Map.class, false);
        return (List<String>) r.get("removed");
    }
}
