package dev.steward.ha;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.steward.allocator.ServerConfig;
import org.apache.curator.test.InstanceSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Three allocators in one JVM on a real three-node ZooKeeper ensemble: one leads, followers
 * redirect, a new leader has every acknowledged change, a follower that joins late catches up
 * through a snapshot, and losing ZooKeeper's quorum turns writes into 503s until it returns.
 */
class HaServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private TestZooKeeper zk;
    private final List<HaServer> servers = new ArrayList<>();
    @TempDir
    Path dir;

    @BeforeEach
    void ensemble() throws Exception {
        zk = TestEnsembles.cluster(3);
        zk.start();
    }

    @AfterEach
    void stop() throws Exception {
        for (HaServer s : servers) {
            s.close();
        }
        zk.close();
    }

    private HaServer start(String name, int snapshotEvery) throws Exception {
        ServerConfig cfg = ServerConfig.of(dir.resolve(name)).withSecretsKey(dir.resolve("secrets.key")).withHeartbeatGrace(Duration.ofSeconds(10));
        HaServer s = HaServer.start(cfg, HaConfig.of(zk.getConnectString()).withSessionTimeout(Duration.ofSeconds(4)).withSnapshotEvery(snapshotEvery));
        servers.add(s);
        return s;
    }

    private HaServer leader() {
        await().atMost(Duration.ofSeconds(60)).until(() -> servers.stream().filter(HaServer::leads).count() == 1);
        return servers.stream().filter(HaServer::leads).findFirst().orElseThrow();
    }

    private HttpResponse<String> send(String url, String method, String path, String body, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode json(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body());
    }

    @Test
    void one_leads_followers_redirect_and_a_new_leader_has_every_acknowledged_change() throws Exception {
        for (String n : List.of("a", "b", "c")) {
            start(n, 1000);
        }
        HaServer leader = leader();
        assertThat(servers).extracting(HaServer::adminToken).containsOnly(leader.adminToken()); // one cluster, one admin token
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> r = send(leader.url(), "PUT", "/v1/roles/team" + i, "{\"weight\": " + (i + 1) + "}", leader.adminToken());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        }
        for (HaServer f : servers) {
            if (f == leader) {
                continue;
            }
            HttpResponse<String> h = send(f.url(), "GET", "/v1/health", null, null);
            assertThat(json(h).get("role").asText()).isEqualTo("follower");
            assertThat(json(h).get("leader").asText()).isEqualTo(leader.url());
            HttpResponse<String> r = send(f.url(), "GET", "/v1/roles?x=1", null, f.adminToken());
            assertThat(r.statusCode()).isEqualTo(307);
            assertThat(r.headers().firstValue("Location")).hasValue(leader.url() + "/v1/roles?x=1");
            assertThat(r.headers().firstValue("X-Steward-Leader")).hasValue(leader.url());
        }
        assertThat(json(send(leader.url(), "GET", "/v1/health", null, null)).get("role").asText()).isEqualTo("leader");
        // one key file shared by the three: the leader rotates it, the others find it rotated
        HttpResponse<String> rotate = send(leader.url(), "POST", "/v1/secrets/rotate-key", null, leader.adminToken());
        assertThat(rotate.statusCode()).as(rotate.body()).isEqualTo(200);
        assertThat(keyIds(dir.resolve("secrets.key"))).containsExactly(json(rotate).get("activeKey").asText());
        long defaultCreated = json(send(leader.url(), "GET", "/v1/roles/default", null, leader.adminToken())).get("createIndex").asLong();

        leader.close();
        servers.remove(leader);
        HaServer next = leader();
        assertThat(next).isNotSameAs(leader);
        JsonNode roles = json(send(next.url(), "GET", "/v1/roles", null, next.adminToken()));
        List<String> names = new ArrayList<>();
        roles.forEach(r -> names.add(r.get("name").asText()));
        for (int i = 0; i < 20; i++) {
            assertThat(names).contains("team" + i);
        }
        assertThat(send(next.url(), "PUT", "/v1/roles/after", "{\"weight\": 2}", next.adminToken()).statusCode()).isEqualTo(200);
        // the log's very first entry (ZooKeeper numbers it 0) made the default role: replayed, not made again
        assertThat(json(send(next.url(), "GET", "/v1/roles/default", null, next.adminToken())).get("createIndex").asLong()).isEqualTo(defaultCreated);
    }

    @Test
    void a_lost_agent_forgotten_on_the_leader_stays_forgotten_on_the_next_one() throws Exception {
        for (String n : List.of("a", "b")) {
            start(n, 1000);
        }
        HaServer leader = leader();
        HttpResponse<String> joined = send(leader.url(), "POST", "/v1/agents", "{\"name\":\"gone\",\"cpus\":\"2\",\"memory\":\"2g\","
                + "\"ports\":\"21000-21100\"}", leader.joinToken());
        assertThat(joined.statusCode()).as(joined.body()).isEqualTo(201);
        String id = json(joined).get("agent").get("id").asText();
        String token = json(joined).get("token").asText();
        await().atMost(Duration.ofSeconds(60)).until(() -> // silent past its 10 s grace
                json(send(leader.url(), "GET", "/v1/agents/" + id, null, leader.adminToken())).get("status").asText().equals("LOST"));
        HttpResponse<String> forgot = send(leader.url(), "DELETE", "/v1/agents/" + id, null, leader.adminToken());
        assertThat(forgot.statusCode()).as(forgot.body()).isEqualTo(200);

        leader.close();
        servers.remove(leader);
        HaServer next = leader();
        assertThat(send(next.url(), "GET", "/v1/agents/" + id, null, next.adminToken()).statusCode()).isEqualTo(404);
        assertThat(json(send(next.url(), "GET", "/v1/agents", null, next.adminToken()))).isEmpty();
        assertThat(send(next.url(), "PUT", "/v1/agents/" + id + "/heartbeat", "{}", token).statusCode()).as("its token went with it").isEqualTo(401);
    }

    @Test
    void with_the_static_join_token_off_a_join_token_minted_on_one_leader_is_used_up_on_the_next() throws Exception {
        for (String n : List.of("a", "b")) {
            ServerConfig cfg = ServerConfig.of(dir.resolve(n)).withSecretsKey(dir.resolve("secrets.key")).withHeartbeatGrace(Duration.ofMinutes(5))
                    .withStaticJoinToken(false);
            servers.add(HaServer.start(cfg, HaConfig.of(zk.getConnectString()).withSessionTimeout(Duration.ofSeconds(4))));
        }
        HaServer leader = leader();
        assertThat(servers).allSatisfy(s -> assertThat(s.joinToken()).isNull());
        assertThat(dir.resolve("a").resolve("join.token")).as("no static token left for anyone to copy").doesNotExist();
        assertThat(dir.resolve("b").resolve("join.token")).doesNotExist();
        HttpResponse<String> minted = send(leader.url(), "POST", "/v1/join-tokens", "{\"uses\":2}", leader.adminToken());
        assertThat(minted.statusCode()).as(minted.body()).isEqualTo(201);
        String token = json(minted).get("token").asText();
        String agent = "{\"name\":\"%s\",\"cpus\":\"2\",\"memory\":\"2g\",\"ports\":\"21000-21100\"}";
        assertThat(send(leader.url(), "POST", "/v1/agents", agent.formatted("m1"), token).statusCode()).isEqualTo(201);

        leader.close();
        servers.remove(leader);
        HaServer next = leader();
        assertThat(send(next.url(), "POST", "/v1/agents", agent.formatted("m2"), token).statusCode()).as("its second use, on the next leader").isEqualTo(201);
        HttpResponse<String> third = send(next.url(), "POST", "/v1/agents", agent.formatted("m3"), token);
        assertThat(third.statusCode()).isEqualTo(401);
        assertThat(json(third).get("detail").asText()).contains("joined as many agents as it was minted for");
    }

    /** A server with its own copy of the keyring, {@code DIR/NAME.key}: the first server's, copied (as an operator does). */
    private HaServer startWithOwnKey(String name, HaConfig ha) throws Exception {
        Path key = dir.resolve(name + ".key");
        if (!servers.isEmpty()) {
            Files.copy(keyFiles.get(servers.get(0)), key, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES); // mode 0600 kept
        }
        ServerConfig cfg = ServerConfig.of(dir.resolve(name)).withSecretsKey(key).withHeartbeatGrace(Duration.ofSeconds(10));
        HaServer s = HaServer.start(cfg, ha);
        servers.add(s);
        keyFiles.put(s, key);
        return s;
    }

    private final java.util.Map<HaServer, Path> keyFiles = new java.util.HashMap<>();

    /** The key ids in a keyring file, the active one last. */
    private static List<String> keyIds(Path file) throws IOException {
        return dev.steward.allocator.store.SecretKeys.open(file).ids();
    }

    @Test
    void a_key_rotation_reaches_every_servers_own_keyring_and_the_next_leader_opens_every_secret() throws Exception {
        HaConfig ha = HaConfig.of(zk.getConnectString()).withSessionTimeout(Duration.ofSeconds(4));
        for (String n : List.of("a", "b", "c")) {
            startWithOwnKey(n, ha);
        }
        HaServer leader = leader();
        String old = keyIds(keyFiles.get(leader)).get(0);
        Files.copy(keyFiles.get(leader), dir.resolve("stale.key"), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES); // a server down through the rotation
        HttpResponse<String> set = send(leader.url(), "PUT", "/v1/services/web/prod/secrets/db-password", "{\"value\": \"hunter2\"}", leader.adminToken());
        assertThat(set.statusCode()).as(set.body()).isEqualTo(201);
        // before, refused with a 409: a key made on the leader alone would seal what the others cannot open
        HttpResponse<String> rotate = send(leader.url(), "POST", "/v1/secrets/rotate-key", null, leader.adminToken());
        assertThat(rotate.statusCode()).as(rotate.body()).isEqualTo(200);
        String fresh = json(rotate).get("activeKey").asText();
        assertThat(fresh).isNotEqualTo(old);
        assertThat(json(rotate).get("retiredKeys").asText()).isEqualTo(old);
        assertThat(json(rotate).get("serviceSecretsResealed").asInt()).isEqualTo(1);
        assertThat(keyIds(keyFiles.get(leader))).containsExactly(fresh);
        // the leader goes at once: the next may not have seen the rotation end, and must not seal with the key the others drop
        leader.close();
        servers.remove(leader);
        HaServer next = leader(); // its store opened every secret with its own copy of the new key, or it could not lead
        for (HaServer s : servers) { // every copy of the keyring ends with the new key alone
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(keyIds(keyFiles.get(s))).as(s.url()).containsExactly(fresh));
        }
        String secret = next.leaderServer().engine().read(st -> st.services().secrets()
                .recordOrNull(dev.steward.allocator.deploy.ServiceSecrets.id("default", "web/prod", "db-password")).value()).get(10, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(secret).isEqualTo("hunter2");
        // a server that was down through it holds only the old key: it does not start, and says what to do
        ServerConfig stale = ServerConfig.of(dir.resolve("d")).withSecretsKey(dir.resolve("stale.key")).withHeartbeatGrace(Duration.ofSeconds(10));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> HaServer.start(stale, ha)).hasMessageContaining("is sealed with key " + fresh)
                .hasMessageContaining("Copy the key file of a server that runs in the cluster now").hasMessageContaining("a key rotated while this server was down");
        // and it rotates in turn: nothing of the first rotation is left in the way
        HttpResponse<String> again = send(next.url(), "POST", "/v1/secrets/rotate-key", null, next.adminToken());
        assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
        assertThat(json(again).get("retiredKeys").asText()).isEqualTo(fresh);
    }

    @Test
    void a_rotation_waits_for_every_running_server_says_which_it_waits_for_and_the_next_leader_finishes_it_as_it_takes_over() throws Exception {
        HaConfig ha = HaConfig.of(zk.getConnectString()).withSessionTimeout(Duration.ofSeconds(4)).withKeyHandover(Duration.ofSeconds(3));
        for (String n : List.of("a", "b")) {
            startWithOwnKey(n, ha);
        }
        HaServer leader = leader();
        String old = keyIds(keyFiles.get(leader)).get(0);
        // a member that never takes the key: as a server cut off from ZooKeeper's watches, or stuck
        try (org.apache.curator.framework.CuratorFramework c = org.apache.curator.framework.CuratorFrameworkFactory.newClient(zk.getConnectString(),
                new org.apache.curator.retry.RetryOneTime(100))) {
            c.start();
            c.create().withMode(org.apache.zookeeper.CreateMode.EPHEMERAL).forPath("/steward/members/http%3A%2F%2Fstuck%3A4646");
            HttpResponse<String> first = send(leader.url(), "POST", "/v1/secrets/rotate-key", null, leader.adminToken());
            assertThat(first.statusCode()).as(first.body()).isEqualTo(503);
            assertThat(json(first).get("detail").asText()).contains("http://stuck:4646 did not take it within 3 s").contains("Nothing is sealed with it yet");
            String pending = keyIds(keyFiles.get(leader)).get(0);
            for (HaServer s : servers) { // both keys everywhere, the old one still active
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(keyIds(keyFiles.get(s))).as(s.url()).containsExactly(pending, old));
            }
            // a server that starts meanwhile takes the key being handed over as it starts
            HaServer late = startWithOwnKey("c", ha);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(keyIds(keyFiles.get(late))).containsExactly(pending, old));
            c.delete().forPath("/steward/members/http%3A%2F%2Fstuck%3A4646"); // it is gone for good
            // the leader goes, its rotation half done: the next one finishes it as it takes over, with no one asking
            leader.close();
            servers.remove(leader);
            HaServer next = leader();
            for (HaServer s : servers) {
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(keyIds(keyFiles.get(s))).as(s.url()).containsExactly(pending));
            }
            HttpResponse<String> again = send(next.url(), "POST", "/v1/secrets/rotate-key", null, next.adminToken());
            assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
            assertThat(json(again).get("retiredKeys").asText()).as("the key the last leader began with was finished, and is the one dropped now")
                    .isEqualTo(pending);
        }
    }

    @Test
    void a_single_servers_data_directory_becomes_the_first_state_of_allocators_on_zookeeper() throws Exception {
        Path single = dir.resolve("a");
        try (dev.steward.allocator.Server s = dev.steward.allocator.Server.start(ServerConfig.of(single).withSecretsKey(dir.resolve("secrets.key")))) {
            assertThat(send(s.url(), "PUT", "/v1/roles/from-the-single-server", "{\"weight\": 4}", s.adminToken()).statusCode()).isEqualTo(200);
        }
        HaServer first = start("a", 1000);
        await().atMost(Duration.ofSeconds(60)).until(first::leads);
        HaServer second = start("b", 1000);
        first.close();
        servers.remove(first);
        await().atMost(Duration.ofSeconds(60)).until(second::leads);
        JsonNode role = json(send(second.url(), "GET", "/v1/roles/from-the-single-server", null, second.adminToken()));
        assertThat(role.get("weight").asDouble()).isEqualTo(4.0);
    }

    @Test
    void a_server_that_joins_after_the_log_was_trimmed_catches_up_from_the_snapshot() throws Exception {
        HaServer first = start("a", 5);
        await().atMost(Duration.ofSeconds(60)).until(first::leads);
        for (int i = 0; i < 30; i++) {
            assertThat(send(first.url(), "PUT", "/v1/roles/team" + i, "{\"weight\": 1}", first.adminToken()).statusCode()).isEqualTo(200);
        }
        await().atMost(Duration.ofSeconds(30)).until(this::snapshotExists);
        HaServer late = start("b", 5);
        first.close();
        servers.remove(first);
        await().atMost(Duration.ofSeconds(60)).until(late::leads);
        JsonNode roles = json(send(late.url(), "GET", "/v1/roles", null, late.adminToken()));
        List<String> names = new ArrayList<>();
        roles.forEach(r -> names.add(r.get("name").asText()));
        for (int i = 0; i < 30; i++) {
            assertThat(names).contains("team" + i);
        }
    }

    @Test
    void a_snapshot_saved_from_the_leader_restores_into_running_allocators_which_all_take_it() throws Exception {
        for (String n : List.of("a", "b", "c")) {
            start(n, 1000);
        }
        HaServer leader = leader();
        for (int i = 0; i < 5; i++) {
            assertThat(send(leader.url(), "PUT", "/v1/roles/saved" + i, "{\"weight\": 1}", leader.adminToken()).statusCode()).isEqualTo(200);
        }
        HttpResponse<byte[]> snap = http.send(HttpRequest.newBuilder(URI.create(leader.url() + "/v1/snapshot"))
                .header("Authorization", "Bearer " + leader.adminToken()).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(snap.statusCode()).isEqualTo(200);
        assertThat(send(leader.url(), "PUT", "/v1/roles/after-the-save", "{\"weight\": 1}", leader.adminToken()).statusCode()).isEqualTo(200);

        Restore.intoZooKeeper(zk.getConnectString(), "/steward", dev.steward.allocator.store.SnapshotFile.read(snap.body()));
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            HaServer now = leader();
            HttpResponse<String> r = send(now.url(), "GET", "/v1/roles", null, now.adminToken());
            assertThat(r.statusCode()).isEqualTo(200);
            List<String> names = new ArrayList<>();
            json(r).forEach(x -> names.add(x.get("name").asText()));
            assertThat(names).contains("saved0", "saved4").doesNotContain("after-the-save");
        });
        HaServer now = leader();
        assertThat(send(now.url(), "PUT", "/v1/roles/after-the-restore", "{\"weight\": 1}", now.adminToken()).statusCode()).isEqualTo(200);
    }

    @Test
    void a_server_that_meets_changes_of_a_newer_release_leaves_the_election_and_says_why() throws Exception {
        HaServer a = start("a", 1000);
        await().atMost(Duration.ofSeconds(60)).until(a::leads);
        HaServer b = start("b", 1000);
        assertThat(send(a.url(), "PUT", "/v1/roles/before", "{\"weight\": 1}", a.adminToken()).statusCode()).isEqualTo(200);
        try (org.apache.curator.framework.CuratorFramework c = org.apache.curator.framework.CuratorFrameworkFactory.newClient(zk.getConnectString(),
                new org.apache.curator.retry.RetryOneTime(100))) {
            c.start();
            c.blockUntilConnected();
            ZkLog log = new ZkLog(c, "/steward");
            int epoch = log.fence("http://newer.example:4646"); // a leader of release N+1 took over
            List<Long> positions = log.positions();
            long prev = positions.get(positions.size() - 1);
            log.append(epoch, prev, LogCodec.entry(new LogCodec.Entry(prev, epoch, new dev.steward.allocator.store.Store.RowBatch(99, 99, 99,
                    java.util.Map.of(dev.steward.allocator.store.Store.Table.ROLES, java.util.Map.of("from-the-future", "{\"shape\":\"unknown\"}")),
                    java.util.Set.of()))));
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> a.refusal() != null && b.refusal() != null);
        assertThat(a.refusal()).contains("newer release").contains("schema 99");
        assertThat(a.leads()).isFalse();
        assertThat(b.leads()).isFalse();
        JsonNode health = json(send(b.url(), "GET", "/v1/health", null, null));
        assertThat(health.get("electable").asBoolean()).isFalse();
        assertThat(health.get("reason").asText()).contains("upgrade");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(json(send(b.url(), "GET", "/v1/health", null, null))
                .path("leader").asText()).as(send(b.url(), "GET", "/v1/health", null, null).body()).isEqualTo("http://newer.example:4646"));
    }

    @Test
    void a_data_directory_that_followed_another_clusters_log_is_refused_not_mixed() throws Exception {
        HaServer a = start("a", 1000);
        await().atMost(Duration.ofSeconds(60)).until(a::leads);
        assertThat(send(a.url(), "PUT", "/v1/roles/of-the-first-cluster", "{\"weight\": 1}", a.adminToken()).statusCode()).isEqualTo(200);
        a.close();
        servers.remove(a);
        ServerConfig cfg = ServerConfig.of(dir.resolve("a")).withSecretsKey(dir.resolve("secrets.key"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> HaServer.start(cfg, HaConfig.of(zk.getConnectString()).withRoot("/another")))
                .hasMessageContaining("followed another cluster's log").hasMessageContaining("empty --data");
        // a single server's state, where the cluster already has one, is refused as well
        try (dev.steward.allocator.Server single = dev.steward.allocator.Server.start(ServerConfig.of(dir.resolve("single"))
                .withSecretsKey(dir.resolve("secrets.key")))) {
            assertThat(single.url()).isNotEmpty();
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> HaServer.start(ServerConfig.of(dir.resolve("single"))
                        .withSecretsKey(dir.resolve("secrets.key")), HaConfig.of(zk.getConnectString())))
                .hasMessageContaining("holds a single server's state");
    }

    private boolean snapshotExists() throws Exception {
        try (org.apache.curator.framework.CuratorFramework c = org.apache.curator.framework.CuratorFrameworkFactory.newClient(zk.getConnectString(),
                new org.apache.curator.retry.RetryOneTime(100))) {
            c.start();
            c.blockUntilConnected();
            return !c.getChildren().forPath("/steward/snapshots").isEmpty();
        }
    }

    @Test
    void without_zookeepers_quorum_writes_get_a_503_and_continue_when_it_returns_without_a_restart() throws Exception {
        for (String n : List.of("a", "b", "c")) {
            start(n, 1000);
        }
        HaServer leader = leader();
        assertThat(send(leader.url(), "PUT", "/v1/roles/before", "{\"weight\": 1}", leader.adminToken()).statusCode()).isEqualTo(200);
        List<InstanceSpec> down = new ArrayList<>(zk.getInstances()).subList(0, 2);
        for (InstanceSpec s : down) {
            zk.killServer(s);
        }
        // writes sent while the leader may not have noticed yet: each one either acknowledged or refused for want of a leader
        List<String> acknowledged = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            boolean allRefused = true;
            for (HaServer s : servers) {
                String name = "during" + n.incrementAndGet();
                HttpResponse<String> r = send(s.url(), "PUT", "/v1/roles/" + name, "{\"weight\": 1}", s.adminToken());
                if (r.statusCode() == 200) {
                    acknowledged.add(name);
                } else if (r.statusCode() == 503 && r.body().contains("no leader")) {
                    refused.add(name);
                }
                allRefused &= r.statusCode() == 503 && r.body().contains("no leader");
            }
            assertThat(allRefused).as("every allocator refuses writes: no leader").isTrue();
        });
        for (InstanceSpec s : down) {
            zk.restartServer(s);
        }
        HaServer back = leader();
        assertThat(send(back.url(), "PUT", "/v1/roles/after", "{\"weight\": 1}", back.adminToken()).statusCode()).isEqualTo(200);
        JsonNode roles = json(send(back.url(), "GET", "/v1/roles", null, back.adminToken()));
        List<String> names = new ArrayList<>();
        roles.forEach(r -> names.add(r.get("name").asText()));
        assertThat(names).contains("before", "after").containsAll(acknowledged).doesNotContainAnyElementsOf(refused);
    }

    @Test
    void a_query_parked_on_a_leader_that_steps_down_is_answered_with_a_503_to_try_again_not_left_hanging() throws Exception {
        for (String n : List.of("a", "b", "c")) {
            start(n, 1000);
        }
        HaServer leader = leader();
        String index = send(leader.url(), "GET", "/v1/roles", null, leader.adminToken()).headers().firstValue("X-Steward-Index").orElseThrow();
        // a client's blocking query (an agent's task watch is one too), parked on the leader for up to 5 minutes
        var parked = http.sendAsync(HttpRequest.newBuilder(URI.create(leader.url() + "/v1/roles?index=" + index + "&wait=5m"))
                .timeout(Duration.ofSeconds(120)).header("Authorization", "Bearer " + leader.adminToken()).GET().build(), HttpResponse.BodyHandlers.ofString());
        await().atMost(Duration.ofSeconds(30)).until(() -> parkedOn(leader) == 1);
        for (InstanceSpec s : new ArrayList<>(zk.getInstances()).subList(0, 2)) {
            zk.killServer(s); // the leader loses its ZooKeeper session and steps down; its HTTP server serves on, as a follower
        }
        // it used to go unanswered: its timer went with the engine, and a minute later it still waited
        HttpResponse<String> r = parked.get(60, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
        assertThat(r.body()).contains("stepped down as leader");
        assertThat(r.headers().firstValue("Retry-After")).hasValue("1");
    }

    /** The blocking queries parked on {@code s}, from its metrics. */
    private double parkedOn(HaServer s) throws Exception {
        for (String line : send(s.url(), "GET", "/metrics", null, s.adminToken()).body().split("\n")) {
            if (line.startsWith("steward_parked_queries ")) {
                return Double.parseDouble(line.substring(line.indexOf(' ') + 1));
            }
        }
        return -1;
    }
}
