package dev.steward.allocator.state;

import dev.steward.api.AllocateRequest;
import dev.steward.api.RequestInfo;
import dev.steward.api.RequestState;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A role may have at most {@link StateConfig#maxPendingPerRole} requests pending: every
 * scheduling cycle tries every pending request, so one tenant's thousands would slow every
 * other tenant's commands. Past the bound a client's request is refused with a reason, and
 * nothing of it is kept; other roles, and the role once some of its requests are gone, go on.
 */
class PendingLimitTest {
    private final StateFixture f = new StateFixture(StateConfig.DEFAULTS.withMaxPendingPerRole(3));

    private RequestInfo client(String role, String cpus) {
        AllocateRequest req = AllocateRequest.of(cpus, "64m", 1);
        req.parse();
        RequestInfo r = f.state.submitFromClient(role, req, f.now);
        f.schedule();
        return f.state.request(r.id());
    }

    @Test
    void a_role_at_its_bound_of_pending_requests_is_refused_with_a_reason_and_others_go_on() {
        f.agent("m1", "2", "2g");
        f.role("greedy", 1, null, null);
        f.role("other", 1, null, null);
        for (int i = 0; i < 3; i++) {
            assertThat(client("greedy", "8").state()).as("no agent has 8 cpus").isEqualTo(RequestState.PENDING);
        }
        int stored = f.state.requests().size();
        assertThatThrownBy(() -> client("greedy", "8")).isInstanceOf(Conflict.class)
                .hasMessageContaining("role 'greedy' has 3 requests pending").hasMessageContaining("--max-pending-per-role is 3")
                .hasMessageContaining("cancel some");
        assertThatThrownBy(() -> client("greedy", "1")).as("the bound counts requests waiting, whatever the next one asks")
                .isInstanceOf(Conflict.class);
        assertThat(f.state.requests()).as("nothing kept of a refused request").hasSize(stored);
        assertThat(client("other", "1").state()).as("another role's request").isEqualTo(RequestState.PLACED);

        RequestInfo first = f.state.requests().stream().filter(r -> r.role().equals("greedy")).findFirst().orElseThrow();
        f.state.cancel(first.id(), f.now);
        f.state.commit();
        assertThat(client("greedy", "1").state()).as("one cancelled: room for one more").isEqualTo(RequestState.PLACED);
    }

    @Test
    void placed_requests_do_not_count_and_the_deploy_controllers_own_submissions_are_not_refused_here() {
        f.agent("m1", "4", "4g");
        f.role("busy", 1, null, null);
        for (int i = 0; i < 4; i++) {
            assertThat(client("busy", "1").state()).isEqualTo(RequestState.PLACED);
        }
        assertThat(f.state.pendingCount("busy")).isZero();
        for (int i = 0; i < 5; i++) { // the deploy controller's own submissions: it holds back at the bound itself (PendingLimitApiTest)
            f.submit("busy", "1", "64m", 1);
        }
        f.schedule();
        assertThat(f.state.pendingCount("busy")).isEqualTo(5);
        assertThatThrownBy(() -> client("busy", "1")).isInstanceOf(Conflict.class).hasMessageContaining("its services' instances included");
    }
}
