package dev.steward.ha;

import dev.steward.allocator.auth.Tokens;
import dev.steward.allocator.http.ApiRequest;
import dev.steward.allocator.http.ApiResponse;
import dev.steward.allocator.http.RequestObserver;
import dev.steward.allocator.metrics.AllocatorMetrics;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * A replicated server's metrics. While it leads, {@code /metrics} is the leader's allocator's
 * (every allocator metric, plus these); while it follows, it answers {@code /metrics} itself with
 * these alone, so Prometheus scraping every server sees each one's role:
 * {@code steward_ha_leader} (1 on the leader), {@code steward_ha_epoch} and
 * {@code steward_ha_electable}. Access as on a single server: the metrics token of this data
 * directory or the cluster's admin token, unless open.
 */
final class HaMetrics {
    private final PrometheusRegistry own = new PrometheusRegistry();
    private final GaugeWithCallback leader;
    private final GaugeWithCallback epoch;
    private final GaugeWithCallback electable;
    private final boolean open;
    private final byte[] metricsHash;
    private final byte[] adminHash;
    private final Supplier<AllocatorMetrics> leading;
    /** When this server's TLS certificates end (null without TLS): reported by the leader and by each follower. */
    private final GaugeWithCallback tls;

    HaMetrics(BooleanSupplier leads, LongSupplier currentEpoch, BooleanSupplier canLead, boolean open, String metricsToken, String adminToken,
              Supplier<AllocatorMetrics> leading, Supplier<java.util.List<dev.steward.tls.CertificateExpiry>> certificates) {
        leader = GaugeWithCallback.builder().name("steward_ha_leader").help("1 while this allocator leads, 0 while it follows")
                .callback(cb -> cb.call(leads.getAsBoolean() ? 1 : 0)).build();
        epoch = GaugeWithCallback.builder().name("steward_ha_epoch").help("The leader epoch this allocator last led or saw")
                .callback(cb -> cb.call(currentEpoch.getAsLong())).build();
        electable = GaugeWithCallback.builder().name("steward_ha_electable")
                .help("1 while this allocator stands for election; 0 when it refused (newer rows than it can read)")
                .callback(cb -> cb.call(canLead.getAsBoolean() ? 1 : 0)).build();
        own.register(leader);
        own.register(epoch);
        own.register(electable);
        tls = certificates == null ? null : AllocatorMetrics.tlsGauge(certificates);
        if (tls != null) {
            own.register(tls);
        }
        this.open = open;
        this.metricsHash = Tokens.hash(metricsToken).getBytes(StandardCharsets.US_ASCII);
        this.adminHash = Tokens.hash(adminToken).getBytes(StandardCharsets.US_ASCII);
        this.leading = leading;
    }

    /** Adds the HA gauges to a new leader's allocator metrics. */
    void addTo(AllocatorMetrics m) {
        m.registry().register(leader);
        m.registry().register(epoch);
        m.registry().register(electable);
        if (tls != null) {
            m.registry().register(tls);
        }
    }

    /** What the HTTP transport tells: requests counted in the leader's metrics while it leads. */
    RequestObserver http() {
        return (trace, method, cls, status, nanos) -> {
            AllocatorMetrics m = leading.get();
            if (m != null) {
                m.done(trace, method, cls, status, nanos);
            }
        };
    }

    /** {@code GET /metrics} on a follower. */
    ApiResponse followerScrape(ApiRequest req) {
        if (!open) {
            String auth = req.header("authorization");
            if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
                return ApiResponse.problem(401, "Unauthorized", "send a token: 'Authorization: Bearer TOKEN' (the metrics token, in metrics.token, "
                        + "or the admin token)", null);
            }
            byte[] h = Tokens.hash(auth.substring(7).trim()).getBytes(StandardCharsets.US_ASCII);
            if (!MessageDigest.isEqual(h, metricsHash) && !MessageDigest.isEqual(h, adminHash)) {
                return ApiResponse.problem(403, "Forbidden", "this token may not read /metrics", null);
            }
        }
        return new ApiResponse(200, AllocatorMetrics.contentType(), new java.util.LinkedHashMap<>(), AllocatorMetrics.text(own));
    }
}
