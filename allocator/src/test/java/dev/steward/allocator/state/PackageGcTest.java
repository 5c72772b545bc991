package dev.steward.allocator.state;

import dev.steward.api.PackageInfo;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class PackageGcTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private static PackageInfo stored(String digest, Instant lastUsed) {
        return new PackageInfo(digest, 1, null, 0, 0, T0, lastUsed, false, java.util.List.of(), 1, 1);
    }

    @Test
    void onlyUnreferencedPackagesPastTheRetentionGo() {
        List<PackageInfo> all = List.of(stored("old", T0), stored("recent", T0.plus(Duration.ofDays(2))), stored("kept", T0));
        Instant now = T0.plus(Duration.ofDays(3));
        assertThat(PackageGc.expired(all, Set.of("kept"), now, Duration.ofDays(3))).containsExactly("old");
        assertThat(PackageGc.expired(all, Set.of("kept"), now.minusSeconds(1), Duration.ofDays(3))).isEmpty();
        assertThat(PackageGc.expired(all, Set.of(), now.plus(Duration.ofDays(2)), Duration.ofDays(3))).containsExactly("old", "recent", "kept");
    }
}
