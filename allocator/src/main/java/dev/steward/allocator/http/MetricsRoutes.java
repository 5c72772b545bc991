package dev.steward.allocator.http;

import dev.steward.allocator.auth.Principal.Kind;
import dev.steward.allocator.metrics.AllocatorMetrics;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * {@code GET /metrics}, the Prometheus text format. By default it asks for the metrics token
 * (metrics.token in the data directory: it reads metrics and nothing else, so a Prometheus server
 * holds no key to the API) or the admin token; open to anyone when the server was started with
 * {@code --metrics open}.
 */
final class MetricsRoutes {
    private final AllocatorMetrics metrics;
    private final boolean open;

    MetricsRoutes(AllocatorMetrics metrics, boolean open) {
        this.metrics = metrics;
        this.open = open;
    }

    List<Route> routes() {
        Set<Kind> who = open ? Set.of() : EnumSet.of(Kind.ADMIN, Kind.METRICS);
        return List.of(new Route("GET", "/metrics", who, c -> metrics.scrape().thenApply(b -> new ApiResponse(200, AllocatorMetrics.contentType(), new java.util.LinkedHashMap<>(), b))));
    }
}
