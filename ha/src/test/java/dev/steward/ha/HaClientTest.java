package dev.steward.ha;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steward.allocator.ServerConfig;
import dev.steward.client.StewardClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The client given every allocator's address: it finds the leader through a follower's answer, and a watch resumes on the next leader. */
class HaClientTest {
    private TestZooKeeper zk;
    private final List<HaServer> servers = new ArrayList<>();
    private final Map<HaServer, Path> data = new java.util.HashMap<>();
    @TempDir
    Path dir;

    @BeforeEach
    void start() throws Exception {
        zk = TestEnsembles.cluster(3);
        zk.start();
        for (String n : List.of("a", "b", "c")) {
            start(dir.resolve(n));
        }
    }

    private HaServer start(Path d) throws Exception {
        HaServer s = HaServer.start(ServerConfig.of(d).withSecretsKey(dir.resolve("secrets.key")),
                HaConfig.of(zk.getConnectString()).withSessionTimeout(Duration.ofSeconds(4)));
        servers.add(s);
        data.put(s, d);
        return s;
    }

    @AfterEach
    void stop() throws Exception {
        for (HaServer s : servers) {
            s.close();
        }
        zk.close();
    }

    private HaServer leader() {
        await().atMost(Duration.ofSeconds(60)).until(() -> servers.stream().filter(HaServer::leads).count() == 1);
        return servers.stream().filter(HaServer::leads).findFirst().orElseThrow();
    }

    @Test
    void a_client_with_every_address_reaches_the_leader_and_its_watch_resumes_on_the_next_leader() throws Exception {
        HaServer leader = leader();
        List<HaServer> followersFirst = new ArrayList<>(servers);
        followersFirst.remove(leader);
        followersFirst.add(leader);
        String addresses = followersFirst.stream().map(HaServer::url).collect(Collectors.joining(","));
        StewardClient client = StewardClient.builder(addresses).token(leader.adminToken()).retryBudget(Duration.ofSeconds(60)).build();

        client.call("PUT", "/v1/roles/first", Map.of("weight", 1), JsonNode.class, false); // a PUT to a follower, sent again to the leader
        CompletableFuture<JsonNode> seen = client.watchAsync("/v1/roles", JsonNode.class, Instant.now().plusSeconds(120), Clock.systemUTC(),
                roles -> names(roles).contains("after-failover"), r -> { });
        leader.close();
        servers.remove(leader);
        await().atMost(Duration.ofSeconds(60)).until(() -> servers.stream().anyMatch(HaServer::leads));
        // the client's current allocator is the dead leader: refused at connect, the PUT goes to the next address, and on to the new leader
        client.call("PUT", "/v1/roles/after-failover", Map.of("weight", 2), JsonNode.class, false);
        JsonNode roles = seen.get(60, TimeUnit.SECONDS);
        assertThat(names(roles)).contains("first", "after-failover");
    }

    @Test
    void a_package_uploaded_before_the_leader_died_downloads_whole_from_the_next_leader() throws Exception {
        HaServer leader = leader();
        Path tree = java.nio.file.Files.createDirectories(dir.resolve("app"));
        byte[] payload = new byte[3 << 20];
        new java.util.Random(11).nextBytes(payload);
        java.nio.file.Files.write(tree.resolve("blob.bin"), payload);
        java.nio.file.Files.writeString(tree.resolve("run.sh"), "#!/bin/sh\nexec sleep 60\n");
        Path pkg = dir.resolve("app.tar.zst");
        dev.steward.pkg.PackageBuilder.from(tree).manifest(new dev.steward.api.PackageManifest(null, "app", "1", "exec sh run.sh", null, List.of(),
                null, null, null)).writeTo(pkg);
        String digest = dev.steward.client.PackageClient.digestOf(pkg);
        String addresses = servers.stream().map(HaServer::url).collect(Collectors.joining(","));
        StewardClient client = StewardClient.builder(addresses).token(leader.adminToken()).retryBudget(Duration.ofSeconds(60)).build();
        client.packages().upload(pkg, digest);

        leader.close();
        servers.remove(leader);
        await().atMost(Duration.ofSeconds(60)).until(() -> servers.stream().anyMatch(HaServer::leads));
        Path back = dir.resolve("back.tar.zst");
        client.packages().download(digest, back);
        assertThat(java.nio.file.Files.mismatch(pkg, back)).isEqualTo(-1L);
        assertThat(client.packages().info(digest).digest()).isEqualTo(digest);
    }

    @Test
    void a_server_that_was_down_during_an_upload_fetches_the_package_from_a_peer_when_it_takes_over() throws Exception {
        HaServer leader = leader();
        HaServer absent = servers.stream().filter(s -> s != leader).findFirst().orElseThrow();
        HaServer other = servers.stream().filter(s -> s != leader && s != absent).findFirst().orElseThrow();
        absent.close();
        servers.remove(absent);
        Path tree = java.nio.file.Files.createDirectories(dir.resolve("app2"));
        java.nio.file.Files.writeString(tree.resolve("run.sh"), "#!/bin/sh\nexec sleep 60\n");
        Path pkg = dir.resolve("app2.tar.zst");
        dev.steward.pkg.PackageBuilder.from(tree).manifest(new dev.steward.api.PackageManifest(null, "app2", "1", "exec sh run.sh", null, List.of(),
                null, null, null)).writeTo(pkg);
        String digest = dev.steward.client.PackageClient.digestOf(pkg);
        StewardClient client = StewardClient.builder(leader.url()).token(leader.adminToken()).retryBudget(Duration.ofSeconds(60)).build();
        client.packages().upload(pkg, digest); // copied to the one follower that is up

        HaServer back = start(data.get(absent)); // without the file; next in line for the election
        other.close(); // and back again, behind it in line, with its copy
        servers.remove(other);
        start(data.get(other));
        leader.close();
        servers.remove(leader);
        await().atMost(Duration.ofSeconds(60)).until(back::leads);
        Path out = dir.resolve("app2-back.tar.zst");
        StewardClient.builder(back.url()).token(back.adminToken()).build().packages().download(digest, out);
        assertThat(java.nio.file.Files.mismatch(pkg, out)).isEqualTo(-1L);
    }

    private static List<String> names(JsonNode roles) {
        List<String> out = new ArrayList<>();
        roles.forEach(r -> out.add(r.get("name").asText()));
        return out;
    }
}
