package dev.steward.cli;

import dev.steward.api.InstanceInfo;
import dev.steward.client.StewardClient;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A service's instances of one revision whose task started, for the crash tests' "no instance
 * started twice". An instance whose task never started is no duplicate: on a shared machine a
 * port the agent lends can be held by another process, and then the instance ends LOST, "not
 * started", and is replaced on other ports (a run beside the agent suite, whose second fork lends
 * the same ports, showed it). Ended tasks stay visible for a day, so each one's start is known.
 */
final class StartedInstances {
    private StartedInstances() {
    }

    static List<InstanceInfo> of(StewardClient c, List<InstanceInfo> all, int revision) throws IOException {
        List<InstanceInfo> out = new ArrayList<>();
        for (InstanceInfo i : all) {
            if (i.revision() == revision && i.taskId() != null && c.task(i.taskId()).startedAt() != null) {
                out.add(i);
            }
        }
        return out;
    }
}
