package dev.steward.allocator.state;

import dev.steward.api.PackageInfo;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;

/**
 * Which stored packages to remove: those nothing refers to now (no live task, no kept service
 * revision) whose last use (upload, or the last sweep that found them referenced) is older than
 * the retention. Pure: the caller gives the time.
 */
public final class PackageGc {
    private PackageGc() {
    }

    public static List<String> expired(Collection<PackageInfo> stored, Set<String> referenced, Instant now, Duration retention) {
        Instant cutoff = now.minus(retention);
        List<String> out = new ArrayList<>();
        for (PackageInfo p : stored) {
            if (!referenced.contains(p.digest()) && !p.lastUsedAt().isAfter(cutoff)) {
                out.add(p.digest());
            }
        }
        return out;
    }
}
