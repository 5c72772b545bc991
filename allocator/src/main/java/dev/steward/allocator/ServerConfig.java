package dev.steward.allocator;

import dev.steward.allocator.packages.PackagePolicy;
import dev.steward.allocator.state.RoleBounds;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;

/**
 * How to run an allocator: its data directory, the address to bind, the admin and join
 * tokens (null: read from the data directory, or generated there at first start), the
 * heartbeat grace after which a silent agent is lost, how often leases are checked (null: no
 * ticker, time passes only through {@link Server#tick()}; for tests that move an injected clock
 * past a retention), the artifact store's limits and retention, the HTTP transport's bounds,
 * TLS (null: plain HTTP), and whether {@code /metrics} answers without a token ({@code metricsOpen};
 * by default it asks for the metrics token or the admin token), and what one role may hold
 * ({@link RoleBounds}: pending requests, services, package bytes, running monitors, tasks per allocation, secrets).
 */
public record ServerConfig(Path dataDir, InetSocketAddress bind, String adminToken, String joinToken, Duration heartbeatGrace,
                           Duration tickInterval, PackagePolicy packages, dev.steward.allocator.http.HttpLimits http, Path secretsKey,
                           dev.steward.allocator.http.ServerTls tls, boolean metricsOpen, RoleBounds bounds, boolean staticJoinToken) {

    public ServerConfig {
        java.util.Objects.requireNonNull(bounds, "bounds");
    }

    public static ServerConfig of(Path dataDir) {
        return new ServerConfig(dataDir, new InetSocketAddress("127.0.0.1", 0), null, null, Duration.ofSeconds(10), Duration.ofMillis(250),
                PackagePolicy.DEFAULTS, dev.steward.allocator.http.HttpLimits.DEFAULTS, null, null, false,
                RoleBounds.DEFAULTS, true);
    }

    /**
     * Whether the data directory's join token (join.token, or --join-token) joins agents. Off,
     * only join tokens the admin mints do ({@code steward tokens create --join}): each expires,
     * and may be good for a given number of agents, so a leaked one joins little, and not for long.
     */
    public ServerConfig withStaticJoinToken(boolean on) {
        return new ServerConfig(dataDir, bind, adminToken, joinToken, heartbeatGrace, tickInterval, packages, http, secretsKey, tls,
                metricsOpen, bounds, on);
    }

    public ServerConfig withPackages(PackagePolicy p) {
        return new ServerConfig(dataDir, bind, adminToken, joinToken, heartbeatGrace, tickInterval, p, http, secretsKey, tls,
                metricsOpen, bounds, staticJoinToken);
    }

    public ServerConfig withBind(InetSocketAddress b) {
        return new ServerConfig(dataDir, b, adminToken, joinToken, heartbeatGrace, tickInterval, packages, http, secretsKey, tls,
                metricsOpen, bounds, staticJoinToken);
    }

    public ServerConfig withHeartbeatGrace(Duration g) {
        return new ServerConfig(dataDir, bind, adminToken, joinToken, g, tickInterval, packages, http, secretsKey, tls,
                metricsOpen, bounds, staticJoinToken);
    }

    /**
     * Holds the ticker: leases expire, silent agents are lost and ended records are forgotten
     * only when {@link Server#tick()} is called. A test that moves its clock past a grace or a
     * retention needs this, or the ticker may act between two of its calls.
     */
    public ServerConfig withoutTicker() {
        return new ServerConfig(dataDir, bind, adminToken, joinToken, heartbeatGrace, null, packages, http, secretsKey, tls,
                metricsOpen, bounds, staticJoinToken);
    }

    /** The HTTP transport's bounds (connections, threads, idle timeout, per-class limits). */
    public ServerConfig withHttp(dev.steward.allocator.http.HttpLimits h) {
        return new ServerConfig(dataDir, bind, adminToken, joinToken, heartbeatGrace, tickInterval, packages, h, secretsKey, tls,
                metricsOpen, bounds, staticJoinToken);
    }

    public ServerConfig withTokens(String admin, String join) {
        return new ServerConfig(dataDir, bind, admin, join, heartbeatGrace, tickInterval, packages, http, secretsKey, tls,
                metricsOpen, bounds, staticJoinToken);
    }

    /** The keyring that seals task secrets at rest (default: secrets.key in the data directory, made on first start). */
    public ServerConfig withSecretsKey(Path file) {
        return new ServerConfig(dataDir, bind, adminToken, joinToken, heartbeatGrace, tickInterval, packages, http, file, tls,
                metricsOpen, bounds, staticJoinToken);
    }

    /** Serves HTTPS with {@code t}'s certificate (and, if it says so, asks every caller for a client certificate from its CA). */
    public ServerConfig withTls(dev.steward.allocator.http.ServerTls t) {
        return new ServerConfig(dataDir, bind, adminToken, joinToken, heartbeatGrace, tickInterval, packages, http, secretsKey, t,
                metricsOpen, bounds, staticJoinToken);
    }

    /** {@code /metrics} without a token ({@code true}), or only with the metrics or admin token. */
    public ServerConfig withMetricsOpen(boolean open) {
        return new ServerConfig(dataDir, bind, adminToken, joinToken, heartbeatGrace, tickInterval, packages, http, secretsKey, tls,
                open, bounds, staticJoinToken);
    }

    /** What one role may hold ({@link RoleBounds}: pending requests, services, package bytes, running monitors, tasks per allocation, secrets). */
    public ServerConfig withBounds(RoleBounds b) {
        return new ServerConfig(dataDir, bind, adminToken, joinToken, heartbeatGrace, tickInterval, packages, http, secretsKey, tls, metricsOpen, b, staticJoinToken);
    }

    /**
     * The most requests a role may have pending (its services' instances waiting for room
     * included) before a client's next request is refused with 409: every scheduling cycle tries
     * every pending request, so one tenant's thousands would slow every tenant's commands.
     */
    public ServerConfig withMaxPendingPerRole(int n) {
        return withBounds(bounds.withMaxPending(n));
    }

    /** How many services a role may have (those being deleted included) before its next new one is refused. */
    public ServerConfig withMaxServicesPerRole(int n) {
        return withBounds(bounds.withMaxServices(n));
    }

    /** How many bytes of packages a role may hold (each it uploaded or ran counts whole) before its next upload is refused. */
    public ServerConfig withMaxPackageBytesPerRole(long n) {
        return withBounds(bounds.withMaxPackageBytes(n));
    }

    /** Where the secrets keyring is. */
    public Path secretsKeyFile() {
        return secretsKey != null ? secretsKey : dataDir.resolve("secrets.key");
    }
}
