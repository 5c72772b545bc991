package dev.steward.agent;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A real agent joins with a join token minted for one machine, on an allocator that refuses its
 * static join token; a second machine with the same token is refused, saying why, and joins
 * nothing.
 */
class MintedJoinTokenTest {
    private Cluster c;

    @AfterEach
    void stop() throws Exception {
        if (c != null) {
            c.close();
        }
    }

    @Test
    void an_agent_joins_with_a_token_minted_for_it_and_a_second_machine_with_it_is_refused() throws Exception {
        c = new Cluster(cfg -> cfg.withStaticJoinToken(false), new okhttp3.OkHttpClient());
        JsonNode minted = c.call("POST", "/v1/join-tokens", "{\"ttl\":\"1h\",\"uses\":1,\"description\":\"m1\"}");
        String token = minted.path("token").asText();
        c.agent("m1", Map.of("join-token", token));
        assertThat(c.call("GET", "/v1/agents", null)).extracting(a -> a.path("name").asText() + " " + a.path("status").asText())
                .containsExactly("m1 READY");
        assertThatThrownBy(() -> c.agent("m2", Map.of("join-token", token)))
                .hasMessageContaining("joined as many agents as it was minted for");
        assertThat(c.call("GET", "/v1/agents", null)).hasSize(1);
    }
}
