package dev.steward.allocator.http;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Join tokens the admin mints ({@code POST /v1/join-tokens}, as {@code kubeadm token create}):
 * each expires (24 hours unless asked), may be good for a number of agents only, used up in the
 * same durable command as each join, and is listed and revoked like any token. With the static
 * join token off, they are the only way in. Before, one join token in the data directory joined
 * any number of agents, for ever: a copy of it let anyone join a machine and be given other
 * tenants' tasks and secrets.
 */
class JoinTokensApiTest {
    private LiveServer s;
    private Path dir;

    @AfterEach
    void stop() throws Exception {
        if (s != null) {
            s.close();
        }
        if (dir != null) {
            try (var all = Files.walk(dir)) {
                all.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private LiveServer.Reply join(String token, String name) {
        return s.post("/v1/agents", token, "{\"name\":\"" + name + "\",\"cpus\":\"2\",\"memory\":\"2g\",\"ports\":\"21000-21100\"}");
    }

    private JsonNode mint(String body) {
        LiveServer.Reply r = s.post("/v1/join-tokens", s.admin(), body);
        assertThat(r.code()).as("%s", r.body()).isEqualTo(201);
        return r.body();
    }

    @Test
    void a_join_token_minted_for_one_agent_joins_one_and_then_none() {
        s = new LiveServer();
        Instant before = Instant.now();
        JsonNode once = mint("{\"description\":\"rack 7, m12\",\"ttl\":\"1h\",\"uses\":1}");
        String token = once.path("token").asText();
        assertThat(token).startsWith("stj_");
        assertThat(Instant.parse(once.path("expiresAt").asText())).isBetween(before.plus(Duration.ofMinutes(59)), Instant.now().plus(Duration.ofHours(1)));

        assertThat(join(token, "m12").code()).isEqualTo(201);
        LiveServer.Reply again = join(token, "m13");
        assertThat(again.code()).isEqualTo(401);
        assertThat(again.body().path("detail").asText()).contains("joined as many agents as it was minted for").contains("steward tokens create --join");
        JsonNode listed = null;
        for (JsonNode t : s.get("/v1/tokens", s.admin()).body()) {
            if (t.path("id").asText().equals(once.path("id").asText())) {
                listed = t;
            }
        }
        assertThat(listed).isNotNull();
        assertThat(listed.path("kind").asText()).isEqualTo("join");
        assertThat(listed.path("usesLeft").asInt()).isZero();
        assertThat(listed.path("description").asText()).isEqualTo("rack 7, m12");
        assertThat(s.get("/v1/agents", s.admin()).body()).extracting(a -> a.path("name").asText()).containsExactly("m12");
        assertThat(s.get("/v1/agents", token).code()).as("a join token joins, and reads nothing").isEqualTo(401);
    }

    @Test
    void a_join_token_without_a_count_joins_any_number_for_24_hours_unless_revoked() {
        s = new LiveServer();
        Instant before = Instant.now();
        JsonNode any = mint("{}");
        assertThat(Instant.parse(any.path("expiresAt").asText())).as("24 hours by default")
                .isBetween(before.plus(Duration.ofHours(24)).minusSeconds(1), Instant.now().plus(Duration.ofHours(24)));
        String token = any.path("token").asText();
        assertThat(join(token, "a1").code()).isEqualTo(201);
        assertThat(join(token, "a2").code()).isEqualTo(201);
        assertThat(s.call("DELETE", "/v1/tokens/" + any.path("id").asText(), s.admin(), null).code()).isEqualTo(200);
        LiveServer.Reply revoked = join(token, "a3");
        assertThat(revoked.code()).isEqualTo(401);
        assertThat(revoked.body().path("detail").asText()).contains("not known");

        JsonNode brief = mint("{\"ttl\":\"1s\"}");
        await().atMost(Duration.ofSeconds(10)).until(() -> join(brief.path("token").asText(), "late").code() == 401);
        assertThat(join(brief.path("token").asText(), "late").body().path("detail").asText()).contains("expired").contains("steward tokens create --join");
    }

    @Test
    void a_join_refused_for_its_own_reasons_does_not_use_the_token_up() {
        s = new LiveServer();
        assertThat(join(s.server.joinToken(), "busy").code()).isEqualTo(201);
        String token = mint("{\"uses\":1}").path("token").asText();
        assertThat(join(token, "busy").code()).as("that name is taken by a ready agent").isEqualTo(409);
        assertThat(join(token, "free").code()).as("its one use is still there").isEqualTo(201);
    }

    @Test
    void bad_counts_and_lifetimes_are_refused_naming_the_field() {
        s = new LiveServer();
        for (String body : List.of("{\"uses\":0}", "{\"uses\":100001}", "{\"ttl\":\"0s\"}", "{\"ttl\":\"forever\"}")) {
            LiveServer.Reply r = s.post("/v1/join-tokens", s.admin(), body);
            assertThat(r.code()).as(body).isEqualTo(400);
            assertThat(r.body().path("field").asText()).as(body).isIn("uses", "ttl");
        }
        assertThat(s.get("/v1/tokens", s.admin()).body()).as("nothing minted").isEmpty();
    }

    @Test
    void a_token_good_for_one_agent_joins_one_however_many_machines_try_it_at_once() throws Exception {
        s = new LiveServer();
        String token = mint("{\"uses\":1}").path("token").asText();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<CompletableFuture<Integer>> tries = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                String name = "race" + i;
                tries.add(CompletableFuture.supplyAsync(() -> join(token, name).code(), pool));
            }
            List<Integer> codes = tries.stream().map(CompletableFuture::join).toList();
            assertThat(codes).filteredOn(c -> c == 201).hasSize(1);
            assertThat(codes).filteredOn(c -> c != 201).allMatch(c -> c == 401 || c == 403);
        } finally {
            pool.shutdownNow();
        }
        assertThat(s.get("/v1/agents", s.admin()).body()).hasSize(1);
    }

    @Test
    void with_the_static_join_token_off_only_minted_join_tokens_join_and_no_join_token_file_is_made() throws Exception {
        dir = Files.createTempDirectory("steward-join-tokens");
        s = new LiveServer(dir, c -> c.withStaticJoinToken(false));
        assertThat(dir.resolve("join.token")).doesNotExist();
        assertThat(s.server.joinToken()).isNull();
        JsonNode minted = mint("{\"uses\":2}");
        assertThat(join(minted.path("token").asText(), "m1").code()).isEqualTo(201);

        s.close();
        s = new LiveServer(dir, c -> c); // the same data with the static token on: one is made
        String staticToken = s.server.joinToken();
        assertThat(join(staticToken, "m2").code()).isEqualTo(201);
        s.close();
        s = new LiveServer(dir, c -> c.withStaticJoinToken(false));
        assertThat(join(staticToken, "m3").code()).as("the file's token is refused while it is off").isEqualTo(401);
        assertThat(join(minted.path("token").asText(), "m3").code()).as("and the minted one's second use works, after restarts").isEqualTo(201);
    }

    @Test
    void each_agent_keeps_where_its_join_came_from_and_with_which_token_and_a_join_tokens_listing_names_the_agents_it_joined() throws Exception {
        dir = Files.createTempDirectory("steward-join-tokens");
        s = new LiveServer(dir, c -> c);
        JsonNode minted = mint("{\"uses\":3,\"description\":\"rack 7\"}");
        String id = minted.path("id").asText();
        String m1 = join(minted.path("token").asText(), "m1").body().path("agent").path("id").asText();
        join(minted.path("token").asText(), "m2");
        String viaStatic = join(s.server.joinToken(), "m3").body().path("agent").path("id").asText();
        JsonNode unused = mint("{}");

        s.close();
        s = new LiveServer(dir, c -> c); // kept in the store
        JsonNode a1 = s.get("/v1/agents/" + m1, s.admin()).body();
        assertThat(a1.path("joined").path("from").asText()).isEqualTo("127.0.0.1"); // the connection's address, as the socket saw it
        assertThat(a1.path("joined").path("joinToken").asText()).isEqualTo(id);
        JsonNode a3 = s.get("/v1/agents/" + viaStatic, s.admin()).body();
        assertThat(a3.path("joined").path("from").asText()).isEqualTo("127.0.0.1");
        assertThat(a3.path("joined").path("joinToken").isTextual()).as("the static join token has no id to name").isFalse();

        JsonNode listed = null;
        JsonNode none = null;
        for (JsonNode t : s.get("/v1/tokens", s.admin()).body()) {
            if (t.path("id").asText().equals(id)) {
                listed = t;
            } else if (t.path("id").asText().equals(unused.path("id").asText())) {
                none = t;
            } else {
                assertThat(t.path("joined").isArray()).as("only join tokens list agents: %s", t).isFalse();
            }
        }
        assertThat(listed.path("joined")).extracting(j -> j.path("name").asText() + " from " + j.path("from").asText())
                .containsExactly("m1 from 127.0.0.1", "m2 from 127.0.0.1");
        assertThat(none.path("joined")).isEmpty();
        assertThat(s.call("DELETE", "/v1/tokens/" + id, s.admin(), null).body().path("joined")).as("and its revocation says what it had joined")
                .hasSize(2);
    }
}
