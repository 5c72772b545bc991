package dev.steward.allocator.http;

import dev.steward.allocator.auth.Principal.Kind;
import dev.steward.allocator.state.ClusterState;
import dev.steward.api.AgentStatus;
import dev.steward.api.AllocationInfo;
import dev.steward.api.ClusterStatus;
import dev.steward.api.RequestInfo;
import dev.steward.api.RequestState;
import dev.steward.api.Resources;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/** {@code /v1/health} (no token), {@code /v1/status}, {@code /v1/whoami} (who a token is), and {@code /v1/snapshot} (admin: the whole stored state, for {@code steward snapshot save}). */
final class StatusRoutes {
    private final Handlers h;
    /**
     * The status as last summed, with the index it was summed at. Everything it counts is durable
     * state, so it holds until the index moves: clients that poll the status between changes cost
     * the owner thread one comparison.
     */
    private volatile ClusterStatus last;
    /** One snapshot read at a time: each reads the whole database. */
    private static final java.util.concurrent.ExecutorService SNAPSHOTS = new java.util.concurrent.ThreadPoolExecutor(1, 1, 30, java.util.concurrent.TimeUnit.SECONDS,
            new java.util.concurrent.ArrayBlockingQueue<>(4), r -> {
                Thread t = new Thread(r, "steward-snapshot");
                t.setDaemon(true);
                return t;
            });

    /** When the allocator's TLS certificates end, as their files say now; null without TLS. */
    private final java.util.function.Supplier<List<dev.steward.tls.CertificateExpiry>> certificates;

    StatusRoutes(Handlers h, java.util.function.Supplier<List<dev.steward.tls.CertificateExpiry>> certificates) {
        this.h = h;
        this.certificates = certificates;
    }

    private CompletableFuture<ApiResponse> snapshot() {
        try {
            return CompletableFuture.supplyAsync(() -> {
                dev.steward.allocator.store.Store.Dump d = h.engine.dump(); // read from the store, off the owner thread
                java.util.Map<String, String> headers = new java.util.LinkedHashMap<>();
                headers.put("X-Steward-Index", Long.toString(d.index()));
                headers.put("Content-Disposition", "attachment; filename=\"steward-" + d.index() + ".snap\"");
                return new ApiResponse(200, "application/octet-stream", headers, dev.steward.allocator.store.SnapshotFile.write(d));
            }, SNAPSHOTS);
        } catch (java.util.concurrent.RejectedExecutionException busy) {
            throw new ApiError(503, "Service Unavailable", "snapshots are being read already; try again shortly", null);
        }
    }

    List<Route> routes() {
        Set<Kind> anyone = EnumSet.of(Kind.ADMIN, Kind.ROLE, Kind.AGENT);
        return List.of(
                new Route("GET", "/v1/health", Set.of(), c -> CompletableFuture.completedFuture(
                        ApiResponse.json(h.engine.failed() ? 503 : 200, Map.of("status", h.engine.failed() ? "failed" : "ok", "index", h.engine.index())))),
                new Route("GET", "/v1/snapshot", EnumSet.of(Kind.ADMIN), c -> snapshot()),
                new Route("GET", "/v1/whoami", EnumSet.allOf(Kind.class), c -> CompletableFuture.completedFuture(ApiResponse.json(200,
                        Map.of("kind", c.principal().kind().name().toLowerCase(java.util.Locale.ROOT), "subject", c.principal().subject())))),
                // on the owner thread only references are taken; the sums are made on the thread that answers
                new Route("GET", "/v1/status", anyone, c -> h.queryInParts(c, this::take, t -> withCertificate(make(t)))));
    }

    /** On the owner thread: the status summed at this index already, or the references to sum it from. */
    private Object take(ClusterState s) {
        ClusterStatus known = last;
        return known != null && known.index() == s.index() ? known : Taken.of(s);
    }

    /** The status with when the allocator's first certificate ends (read apart from the index: a certificate renewed on disk shows). */
    private ClusterStatus withCertificate(ClusterStatus s) {
        if (certificates == null) {
            return s;
        }
        return s.withCertificateEnds(certificates.get().stream().map(dev.steward.tls.CertificateExpiry::notAfter).min(java.util.Comparator.naturalOrder())
                .orElse(null));
    }

    /** On the thread that answers: the status, summed if it was not known. */
    private ClusterStatus make(Object taken) {
        if (taken instanceof ClusterStatus known) {
            return known;
        }
        ClusterStatus summed = ((Taken) taken).status();
        ClusterStatus known = last;
        if (known == null || known.index() < summed.index()) {
            last = summed; // two readers may sum the same index at once: either result is the same
        }
        return summed;
    }

    /** What the status needs from the state, all immutable: each agent with its ledger's total and holdings, the requests, the allocations. */
    private record Taken(long index, AgentHeld[] agents, int roles, RequestInfo[] requests, AllocationInfo[] allocations) {
        static Taken of(ClusterState s) {
            return new Taken(s.index(), AgentHeld.all(s), s.roles().size(), s.requests().toArray(new RequestInfo[0]),
                    s.allocations().toArray(new AllocationInfo[0]));
        }

        ClusterStatus status() {
            int ready = 0;
            int lost = 0;
            int draining = 0;
            Resources total = Resources.ZERO;
            Resources held = Resources.ZERO;
            for (AgentHeld a : agents) {
                if (a.agent().status() == AgentStatus.LOST) {
                    lost++;
                    continue;
                }
                ready++;
                draining += a.agent().draining() ? 1 : 0;
                total = total.plus(a.total());
                held = held.plus(a.used());
            }
            int pending = 0;
            for (RequestInfo r : requests) {
                pending += r.state() == RequestState.PENDING ? 1 : 0;
            }
            int live = 0;
            for (AllocationInfo a : allocations) {
                live += a.state().terminal() ? 0 : 1;
            }
            return new ClusterStatus(index, ready, lost, draining, roles, pending, live, total, held);
        }
    }
}
