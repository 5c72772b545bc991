package dev.steward.allocator;

import dev.steward.allocator.packages.PackagePolicy;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;

/**
 * How to run an allocator: its data directory, the address to bind, the admin and join
 * tokens (null: read from the data directory, or generated there at first start), the
 * heartbeat grace after which a silent agent is lost, how often leases are checked (null: no
 * ticker, time passes only through {@link Server#tick()}; for tests that move an injected clock
 * past a retention), and the artifact store's limits and retention.
 */
public record ServerConfig(Path dataDir, InetSocketAddress bind, String adminToken, String joinToken, Duration heartbeatGrace,
                           Duration tickInterval, PackagePolicy packages) {

    public static ServerConfig of(Path dataDir) {
        return new ServerConfig(dataDir, new InetSocketAddress("127.0.0.1", 0), null, null, Duration.ofSeconds(10), Duration.ofMillis(250),
                PackagePolicy.DEFAULTS);
    }

    public ServerConfig withPackages(PackagePolicy p) {
        return new ServerConfig(dataDir, bind, adminToken, joinToken, heartbeatGrace, tickInterval, p);
    }

    public ServerConfig withBind(InetSocketAddress b) {
        return new ServerConfig(dataDir, b, adminToken, joinToken, heartbeatGrace, tickInterval, packages);
    }

    public ServerConfig withHeartbeatGrace(Duration g) {
        return new ServerConfig(dataDir, bind, adminToken, joinToken, g, tickInterval, packages);
    }

    /**
     * Holds the ticker: leases expire, silent agents are lost and ended records are forgotten
     * only when {@link Server#tick()} is called. A test that moves its clock past a grace or a
     * retention needs this, or the ticker may act between two of its calls.
     */
    public ServerConfig withoutTicker() {
        return new ServerConfig(dataDir, bind, adminToken, joinToken, heartbeatGrace, null, packages);
    }

    public ServerConfig withTokens(String admin, String join) {
        return new ServerConfig(dataDir, bind, admin, join, heartbeatGrace, tickInterval, packages);
    }
}
