package dev.steward.cli;

import dev.steward.api.InstanceInfo;

import java.util.Comparator;
import java.util.List;

/** A service's live instances in the order {@code steward services} numbers them: oldest first. */
final class Instances {
    private Instances() {
    }

    static List<InstanceInfo> live(List<InstanceInfo> all) {
        return all.stream().filter(i -> !i.state().terminal()).sorted(Comparator.comparing(InstanceInfo::createdAt).thenComparing(InstanceInfo::id))
                .toList();
    }
}
