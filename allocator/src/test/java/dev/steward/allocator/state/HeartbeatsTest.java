package dev.steward.allocator.state;

import dev.steward.api.AgentInfo;
import dev.steward.api.AgentStatus;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Heartbeats recorded off the owner thread and folded in by the ticker: they keep agents alive, bring lost ones back, and never go back in time. */
class HeartbeatsTest {
    private final StateFixture f = new StateFixture(StateConfig.DEFAULTS.withHeartbeatGrace(Duration.ofSeconds(10)));

    @Test
    void aBeatRecordedOffTheOwnerKeepsAReadyAgentAliveOnceFoldedIn() {
        AgentInfo a = f.agent("m", "4", "4g");
        assertThat(f.state.heartbeats().offer(a.id(), null, null, f.now)).as("not known ready before the first tick").isFalse();
        f.tick(); // publishes the ready agents
        f.advance(Duration.ofSeconds(8));
        assertThat(f.state.heartbeats().offer(a.id(), Map.of("memoryMib", 100L), List.of(20000), f.now)).isTrue();
        f.advance(Duration.ofSeconds(4)); // 12 s after registering: lost, but for the beat 4 s ago
        f.tick();
        AgentInfo now = f.state.agent(a.id());
        assertThat(now.status()).isEqualTo(AgentStatus.READY);
        assertThat(now.lastHeartbeat()).isEqualTo(f.now.minusSeconds(4));
        assertThat(now.usage()).containsEntry("memoryMib", 100L);
        assertThat(f.state.heartbeats().waiting()).isZero();
        f.advance(Duration.ofSeconds(11));
        f.tick();
        assertThat(f.state.agent(a.id()).status()).as("silent since").isEqualTo(AgentStatus.LOST);
    }

    @Test
    void aLostAgentsBeatTakesTheCommandPathAndBringsItBackAndAnOlderBeatNeverMovesTimeBack() {
        AgentInfo a = f.agent("m", "4", "4g");
        f.tick();
        f.advance(Duration.ofSeconds(11));
        f.tick();
        assertThat(f.state.agent(a.id()).status()).isEqualTo(AgentStatus.LOST);
        assertThat(f.state.heartbeats().offer(a.id(), null, null, f.now)).as("a lost agent is not taken for ready").isFalse();
        f.state.heartbeat(a.id(), null, f.now); // the command path, as the route takes for an agent not known ready
        f.state.commit();
        f.tick();
        assertThat(f.state.agent(a.id()).status()).isEqualTo(AgentStatus.READY);
        assertThat(f.state.heartbeats().offer(a.id(), null, null, f.now.minusSeconds(30))).isTrue();
        f.tick();
        assertThat(f.state.agent(a.id()).lastHeartbeat()).as("an old beat does not move time back").isEqualTo(f.now);
    }
}
