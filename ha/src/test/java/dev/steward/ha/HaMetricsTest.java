package dev.steward.ha;

import dev.steward.allocator.ServerConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Replicated allocators' metrics: the leader's {@code /metrics} has every allocator metric and the
 * HA gauges; a follower answers {@code /metrics} itself (not with a redirect) with the HA gauges,
 * to its own metrics token or the cluster's admin token; and every {@code steward_ha_*} metric
 * the Grafana dashboard and the alert rules name exists (agent-runtime's MetricsEndToEndTest checks
 * the others).
 */
class HaMetricsTest {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private TestZooKeeper zk;
    private final List<HaServer> servers = new ArrayList<>();
    @TempDir
    Path dir;

    @BeforeEach
    void zookeeper() throws Exception {
        zk = TestEnsembles.server();
    }

    @AfterEach
    void stop() throws Exception {
        for (HaServer s : servers) {
            s.close();
        }
        zk.close();
    }

    private HaServer start(String name) throws Exception {
        ServerConfig cfg = ServerConfig.of(dir.resolve(name)).withSecretsKey(dir.resolve("secrets.key"));
        HaServer s = HaServer.start(cfg, HaConfig.of(zk.getConnectString()).withSessionTimeout(Duration.ofSeconds(4)));
        servers.add(s);
        return s;
    }

    private HttpResponse<String> scrape(HaServer s, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(s.url() + "/metrics")).timeout(Duration.ofSeconds(20));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private String token(String name) throws Exception {
        return Files.readString(dir.resolve(name).resolve("metrics.token")).trim();
    }

    @Test
    void leader_and_follower_each_say_their_role() throws Exception {
        HaServer a = start("a");
        HaServer b = start("b");
        await().atMost(Duration.ofSeconds(60)).until(() -> servers.stream().filter(HaServer::leads).count() == 1);
        HaServer leader = a.leads() ? a : b;
        HaServer follower = a.leads() ? b : a;
        String leaderName = leader == a ? "a" : "b";
        String followerName = leader == a ? "b" : "a";

        HttpResponse<String> l = scrape(leader, token(leaderName));
        assertThat(l.statusCode()).as(l.body()).isEqualTo(200);
        assertThat(l.body()).contains("steward_ha_leader 1.0", "steward_ha_epoch 1.0", "steward_ha_electable 1.0", "steward_agents{state=\"ready\"}");

        HttpResponse<String> f = scrape(follower, token(followerName));
        assertThat(f.statusCode()).as(f.body()).isEqualTo(200); // answered, not redirected
        assertThat(f.body()).contains("steward_ha_leader 0.0", "steward_ha_electable 1.0").doesNotContain("steward_agents");
        assertThat(scrape(follower, leader.adminToken()).statusCode()).isEqualTo(200);
        assertThat(scrape(follower, null).statusCode()).isEqualTo(401);
        assertThat(scrape(follower, token(leaderName)).statusCode()).isEqualTo(403); // each server's metrics token is its own

        Set<String> named = new TreeSet<>();
        Path docs = Path.of("..", "docs", "observability");
        Matcher m = Pattern.compile("\\bsteward_ha_[a-z0-9_]+").matcher(Files.readString(docs.resolve("grafana-dashboard.json"))
                + Files.readString(docs.resolve("prometheus-alerts.yml")));
        while (m.find()) {
            named.add(m.group());
        }
        assertThat(named).isNotEmpty().allSatisfy(n -> assertThat(l.body()).contains("\n" + n + " ").contains("\n" + n + " "));
        assertThat(named).allSatisfy(n -> assertThat(f.body()).contains("\n" + n + " "));

        // the leader goes: the follower leads, and says so
        leader.close();
        servers.remove(leader);
        await().atMost(Duration.ofSeconds(60)).until(follower::leads);
        await().atMost(Duration.ofSeconds(10)).until(() -> scrape(follower, token(followerName)).body().contains("steward_ha_leader 1.0"));
        assertThat(scrape(follower, token(followerName)).body()).contains("steward_ha_epoch 2.0", "steward_agents{state=\"ready\"}");
    }

    @Test
    void on_tls_the_leader_and_each_follower_say_when_their_certificate_ends() throws Exception {
        Path certs = Files.createDirectories(dir.resolve("certs"));
        dev.steward.tls.CertificateAuthority ca = dev.steward.tls.CertificateAuthority.create("test cluster", Duration.ofDays(400), java.time.Clock.systemUTC());
        ca.ca().write(certs, "ca");
        ca.issue(dev.steward.tls.CertificateAuthority.Kind.SERVER, List.of("127.0.0.1"), java.time.Instant.now(), Duration.ofDays(20)).write(certs, "server");
        dev.steward.tls.TlsFiles files = new dev.steward.tls.TlsFiles(certs.resolve("ca.pem"), certs.resolve("server.pem"), certs.resolve("server-key.pem"));
        long ends = files.leaf().getNotAfter().toInstant().getEpochSecond();
        for (String n : List.of("a", "b")) {
            ServerConfig cfg = ServerConfig.of(dir.resolve(n)).withSecretsKey(dir.resolve("secrets.key"))
                    .withTls(new dev.steward.allocator.http.ServerTls(files, false));
            servers.add(HaServer.start(cfg, HaConfig.of(zk.getConnectString()).withSessionTimeout(Duration.ofSeconds(4))));
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> servers.stream().filter(HaServer::leads).count() == 1);
        HttpClient https = HttpClient.newBuilder().sslContext(dev.steward.tls.TlsFiles.trusting(certs.resolve("ca.pem")).context())
                .connectTimeout(Duration.ofSeconds(5)).build();
        for (HaServer s : servers) {
            assertThat(s.url()).startsWith("https://");
            HttpResponse<String> r = https.send(HttpRequest.newBuilder(URI.create(s.url() + "/metrics")).timeout(Duration.ofSeconds(20))
                    .header("Authorization", "Bearer " + s.adminToken()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            String line = r.body().lines().filter(l -> l.startsWith("steward_tls_certificate_not_after_seconds{certificate=\"own\""))
                    .findFirst().orElseThrow(() -> new AssertionError((s.leads() ? "the leader" : "a follower") + " does not say:\n" + r.body()));
            assertThat((long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).as(s.leads() ? "the leader" : "a follower").isEqualTo(ends);
        }
    }
}
