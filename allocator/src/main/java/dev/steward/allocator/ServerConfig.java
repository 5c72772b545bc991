package dev.steward.allocator;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;

/**
 * How to run an allocator: its data directory, the address to bind, the admin and join
 * tokens (null: read from the data directory, or generated there at first start), the
 * heartbeat grace after which a silent agent is lost, and how often leases are checked.
 */
public record ServerConfig(Path dataDir, InetSocketAddress bind, String adminToken, String joinToken, Duration heartbeatGrace,
                           Duration tickInterval) {

    public static ServerConfig of(Path dataDir) {
        return new ServerConfig(dataDir, new InetSocketAddress("127.0.0.1", 0), null, null, Duration.ofSeconds(10), Duration.ofMillis(250));
    }

    public ServerConfig withBind(InetSocketAddress b) {
        return new ServerConfig(dataDir, b, adminToken, joinToken, heartbeatGrace, tickInterval);
    }

    public ServerConfig withHeartbeatGrace(Duration g) {
        return new ServerConfig(dataDir, bind, adminToken, joinToken, g, tickInterval);
    }

    public ServerConfig withTokens(String admin, String join) {
        return new ServerConfig(dataDir, bind, admin, join, heartbeatGrace, tickInterval);
    }
}
