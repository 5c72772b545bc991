package dev.steward.allocator.placement;

import dev.steward.api.AgentRegistration.PortRange;
import dev.steward.api.Resources;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Ports the agent's host holds are never lent, and the count of free ports says so. */
class AgentLedgerPortsTest {

    private static AgentLedger ledger() {
        return new AgentLedger("a", "a", Map.of(), Resources.of(4000, 4096), 0, null, List.of(new PortRange(20000, 20004)));
    }

    @Test
    void portsSeenHeldOnTheHostAreSkippedUntilTheyAreFreeAgain() {
        AgentLedger a = ledger();
        assertThat(a.pickPorts(List.of("http"))).containsEntry("http", 20000);
        a.hostBusy(List.of(20000, 20001, 4646)); // 4646 is outside the lent range: ignored
        assertThat(a.freePorts()).isEqualTo(3);
        assertThat(a.pickPorts(List.of("http", "db", "admin"))).containsValues(20002, 20003, 20004);
        assertThat(a.pickPorts(List.of("a", "b", "c", "d"))).as("only three can be lent").isNull();
        a.reserve(Resources.of(100, 100), List.of(), Map.of("http", 20002));
        assertThat(a.freePorts()).isEqualTo(2);
        a.hostBusy(List.of(20002)); // the host now holds only the port lent to our own task
        assertThat(a.freePorts()).isEqualTo(4);
        assertThat(a.pickPorts(List.of("x", "y", "z", "w"))).doesNotContainValue(20002).hasSize(4);
    }
}
