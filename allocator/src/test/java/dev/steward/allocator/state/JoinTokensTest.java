package dev.steward.allocator.state;

import dev.steward.api.AgentRegistration;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Minted join tokens in the state, with time injected: a join uses one, a join refused for its
 * name uses nothing, and the ticker forgets those that can join no more once the retention (24 h)
 * has passed, as Kubernetes' token cleaner does, so one per machine does not pile up for ever.
 */
class JoinTokensTest {
    private final StateFixture f = new StateFixture(StateConfig.DEFAULTS.withHeartbeatGrace(Duration.ofDays(30)));

    private TokenRecord mint(String hash, Duration ttl, Integer uses) {
        TokenRecord t = new TokenRecord(hash, TokenRecord.Kind.JOIN, TokenRecord.idOf(hash), null, f.now, f.now.plus(ttl), uses);
        f.state.addToken(t);
        f.state.commit();
        return t;
    }

    private void join(String name, TokenRecord t) {
        f.state.registerAgent(new AgentRegistration(name, "1", "1g", null, null, null, null, null, null).parse(), "agent-" + name, t.subject(), "192.0.2.7", f.now);
        f.state.commit();
    }

    @Test
    void a_join_uses_one_and_a_spent_token_is_forgotten_a_retention_later() {
        TokenRecord once = mint("a".repeat(64), Duration.ofDays(7), 1);
        TokenRecord brief = mint("b".repeat(64), Duration.ofHours(1), null);
        TokenRecord lasting = mint("c".repeat(64), Duration.ofDays(7), 5);
        join("m1", once);
        assertThat(f.state.token(once.hash()).usesLeft()).isZero();
        assertThatThrownBy(() -> join("m1", lasting)).isInstanceOf(Conflict.class);
        assertThat(f.state.token(lasting.hash()).usesLeft()).as("a join refused for its name uses nothing").isEqualTo(5);
        assertThatThrownBy(() -> join("m2", once)).isInstanceOf(Forbidden.class).hasMessageContaining("has joined as many agents as it was minted for");

        f.advance(Duration.ofHours(20));
        f.tick();
        assertThat(f.state.token(once.hash())).as("used up, but minted less than a day ago: still listed, and refused saying why").isNotNull();
        assertThat(f.state.token(brief.hash())).as("expired 19 hours ago").isNotNull();
        f.advance(Duration.ofHours(6));
        f.state.tick(f.now);
        assertThat(f.state.removed()).as("removed from the store in the tick's write").contains(once.hash(), brief.hash()).doesNotContain(lasting.hash());
        f.state.commit();
        assertThat(f.state.token(once.hash())).as("used up, minted 26 hours ago").isNull();
        assertThat(f.state.token(brief.hash())).as("expired 25 hours ago").isNull();
        assertThat(f.state.token(lasting.hash())).as("still good for 4 more agents until it expires").isNotNull();
    }
}
