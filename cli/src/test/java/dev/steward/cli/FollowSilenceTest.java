package dev.steward.cli;

import dev.steward.api.Problem;
import dev.steward.client.StewardClient;
import dev.steward.client.StewardException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a follow does with a failed read, decided from the failure alone where the allocator
 * cannot be asked: an allocator that stops just as it answers an agent's silence is followed
 * through as the allocator's silence (the follow ended there, with the refused connection of its
 * look at the task), and an allocator's own failure on a first read is not waited on.
 */
class FollowSilenceTest {
    /** A client of an allocator that no longer listens: every call is refused at once. */
    private static StewardClient gone() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        return StewardClient.builder("http://127.0.0.1:" + port).token("stt_x").retryBudget(Duration.ZERO).build();
    }

    private static StewardException agentsSilence() {
        return new StewardException(502, new Problem("about:blank", "Bad Gateway", 502, "the agent at http://127.0.0.1:1 did not answer: refused", null), "");
    }

    @Test
    void an_allocator_that_stops_as_it_answers_an_agents_silence_is_followed_through_and_said() throws Exception {
        FollowSilence silence = new FollowSilence(gone(), "t1");
        List<String> said = new ArrayList<>();
        assertThat(silence.afterFailure(agentsSilence(), said::add)).as("read again").isTrue();
        assertThat(said).singleElement().asString().startsWith("the allocator cannot be reached now: ")
                .endsWith("; following on until it can (Ctrl-C to stop)");
        silence.answered(said::add);
        assertThat(said).last().isEqualTo("the allocator answers again");
        assertThat(silence.ended()).isNull();
    }

    @Test
    void where_another_follow_says_the_allocators_silence_this_one_goes_on_without_a_word() throws Exception {
        FollowSilence silence = new FollowSilence(gone(), "t1", false);
        List<String> said = new ArrayList<>();
        assertThat(silence.afterFailure(agentsSilence(), said::add)).isTrue();
        silence.answered(said::add);
        assertThat(said).isEmpty();
    }

    @Test
    void the_allocators_own_failure_before_a_first_read_and_a_client_mistake_are_not_waited_on() throws Exception {
        FollowSilence silence = new FollowSilence(gone(), "t1");
        List<String> said = new ArrayList<>();
        assertThat(silence.afterFailure(new java.net.ConnectException("refused"), said::add)).as("a wrong address").isFalse();
        silence.answered(said::add);
        assertThat(silence.afterFailure(new StewardException(404, new Problem("about:blank", "Not Found", 404, "no task t1", null), ""), said::add))
                .isFalse();
        assertThat(said).isEmpty();
    }
}
