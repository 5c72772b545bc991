package dev.steward.allocator.http;

import dev.steward.allocator.auth.Principal;
import dev.steward.allocator.auth.Principal.Kind;
import dev.steward.allocator.packages.ByteRange;
import dev.steward.allocator.packages.PackageStore;
import dev.steward.allocator.packages.PackageSweeper;
import dev.steward.allocator.state.ClusterState;
import dev.steward.allocator.state.NotFound;
import dev.steward.api.Digests;
import dev.steward.api.PackageInfo;
import dev.steward.pkg.PackageFormat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The artifact store over HTTP. {@code PUT /v1/packages/DIGEST} streams an upload, verified
 * against the digest; {@code HEAD} says whether a digest is stored (so a client skips the
 * upload); {@code GET} downloads, with byte ranges; {@code GET .../info} and {@code GET /v1/packages}
 * describe; {@code POST /v1/packages/gc} sweeps now. Packages are immutable, so responses carry
 * the digest as a strong ETag.
 */
final class PackageRoutes {
    private final Handlers h;
    private final PackageStore store;
    private final PackageSweeper sweeper;

    PackageRoutes(Handlers h, PackageStore store, PackageSweeper sweeper) {
        this.h = h;
        this.store = store;
        this.sweeper = sweeper;
    }

    List<Route> routes() {
        Set<Kind> writers = EnumSet.of(Kind.ADMIN, Kind.ROLE);
        Set<Kind> readers = EnumSet.of(Kind.ADMIN, Kind.ROLE, Kind.AGENT);
        return List.of(
                Route.streaming("PUT", "/v1/packages/{digest}", writers, this::upload),
                Route.streaming("HEAD", "/v1/packages/{digest}", readers, c -> download(c, true)),
                Route.streaming("GET", "/v1/packages/{digest}", readers, c -> download(c, false)),
                new Route("GET", "/v1/packages/{digest}/info", readers, c -> {
                    String d = Digests.check("digest", c.param("digest"));
                    return h.query(c, s -> {
                        PackageInfo p = s.packages().get(d);
                        if (!readable(c.principal(), s, p)) {
                            throw new NotFound("package", d); // another role's is not there: the same answer as one never uploaded
                        }
                        return shown(c.principal(), p);
                    });
                }),
                new Route("GET", "/v1/packages", readers, c -> h.query(c, s -> s.packages().list().stream()
                        .filter(p -> readable(c.principal(), s, p)).map(p -> shown(c.principal(), p)).toList())),
                new Route("DELETE", "/v1/packages/{digest}", writers, c -> {
                    String d = Digests.check("digest", c.param("digest"));
                    String role = c.principal().kind() == Kind.ROLE ? c.principal().subject() : null;
                    return CompletableFuture.supplyAsync(() -> {
                        try {
                            List<String> gone = store.collect(() -> h.engine.command((s, now) -> s.packages().release(d, role)).join());
                            return ApiResponse.json(200, Map.of("digest", d, "removed", !gone.isEmpty()))
                                    .header("X-Steward-Index", Long.toString(h.engine.index()));
                        } catch (Exception e) {
                            throw e instanceof java.util.concurrent.CompletionException ce ? ce : new java.util.concurrent.CompletionException(e);
                        }
                    });
                }),
                new Route("POST", "/v1/packages/gc", EnumSet.of(Kind.ADMIN), c -> CompletableFuture.supplyAsync(() -> {
                    try {
                        return ApiResponse.json(200, Map.of("removed", sweeper.sweep()));
                    } catch (Exception e) {
                        throw new java.util.concurrent.CompletionException(e);
                    }
                })));
    }

    /**
     * Whether {@code who} may read {@code p}: the admin any package, a role one it uploaded or
     * ran, an agent one that a task on it names (what it may be asked to unpack).
     */
    static boolean readable(Principal who, ClusterState s, PackageInfo p) {
        return switch (who.kind()) {
            case ADMIN -> true;
            case ROLE -> p.ownedBy(who.subject());
            case AGENT -> s.packages().namedOn(who.subject(), p.digest());
            case JOIN, METRICS -> false;
        };
    }

    /** A package as {@code who} is shown it: the admin sees every role it belongs to, a role only itself, an agent none. */
    private static PackageInfo shown(Principal who, PackageInfo p) {
        return who.kind() == Kind.ADMIN ? p : p.withRoles(who.kind() == Kind.ROLE ? List.of(who.subject()) : List.of());
    }

    private CompletableFuture<ApiResponse> upload(Route.Call c) {
        String digest = Digests.check("digest", c.param("digest"));
        String len = c.request().header("content-length");
        long declared = -1;
        if (len != null) {
            try {
                declared = Long.parseLong(len.trim());
            } catch (NumberFormatException e) {
                throw new ApiError(400, "Bad Request", "Content-Length '" + len + "' is not a number", null);
            }
        }
        String role = c.principal().kind() == Kind.ROLE ? c.principal().subject() : null;
        long ahead = declared;
        try {
            h.engine.read(s -> { // a role past its bound is told so before it sends a byte
                s.packages().roomFor(role, digest, ahead);
                return null;
            }).join();
        } catch (java.util.concurrent.CompletionException e) {
            ApiResponse refused = overBound(e);
            if (refused == null) {
                throw e;
            }
            return CompletableFuture.completedFuture(refused.header("Connection", "close")); // the body is not read: the connection cannot be kept
        }
        PackageStore.Received r;
        try (InputStream body = c.request().stream()) {
            r = store.receive(digest, body, declared);
        } catch (PackageStore.Refused e) {
            return CompletableFuture.completedFuture(ApiResponse.problem(e.status(), title(e.status()), e.getMessage(), "digest")
                    .header("Connection", "close"));
        } catch (IOException e) {
            return CompletableFuture.completedFuture(ApiResponse.problem(400, "Bad Request",
                    "the upload was cut off (" + e.getMessage() + "); nothing was stored, send it again", null));
        }
        try {
            PackageInfo info = store.publish(r, () -> h.engine.read(s -> {
                s.packages().roomFor(role, digest, r.size()); // again with its size, one upload at a time: uploads under way together stay within the bound
                return null;
            }).join(), () -> h.engine.command((s, now) -> s.packages().add(digest, r.size(), r.inspected().manifest(),
                    r.inspected().files(), r.inspected().expandedBytes(), role, now)).join());
            return CompletableFuture.completedFuture(ApiResponse.json(201, shown(c.principal(), info)).header("Location", "/v1/packages/" + digest)
                    .header("X-Steward-Index", Long.toString(h.engine.index())));
        } catch (java.util.concurrent.CompletionException e) {
            ApiResponse refused = overBound(e);
            return refused != null ? CompletableFuture.completedFuture(refused) : CompletableFuture.failedFuture(e);
        } catch (PackageStore.NotReplicated e) {
            return CompletableFuture.completedFuture(ApiResponse.problem(503, "Service Unavailable", e.getMessage(), null).header("Retry-After", "1"));
        } catch (Exception e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** The 409 of a role past its share of the store ({@code Packages.roomFor}), or null for any other failure. */
    private static ApiResponse overBound(java.util.concurrent.CompletionException e) {
        return e.getCause() instanceof dev.steward.allocator.state.Conflict refused ? ApiResponse.problem(409, "Conflict", refused.getMessage(), null) : null;
    }

    private CompletableFuture<ApiResponse> download(Route.Call c, boolean head) {
        String digest = Digests.check("digest", c.param("digest"));
        return h.engine.read(s -> {
            PackageInfo p = s.packages().getOrNull(digest);
            return p != null && readable(c.principal(), s, p) ? p : null; // another role's is not there: the same answer as one never uploaded
        }).thenApply(p -> {
            if (p == null || !store.has(digest)) {
                return ApiResponse.problem(404, "Not Found", "package " + digest + " is not stored here", null);
            }
            Path file = store.path(digest);
            long size = p.size();
            ByteRange range;
            try {
                range = ByteRange.parse(c.request().header("range"), size);
            } catch (ByteRange.Unsatisfiable e) {
                return ApiResponse.problem(416, "Range Not Satisfiable", e.getMessage(), null).header("Content-Range", "bytes */" + size);
            }
            String ifRange = c.request().header("if-range");
            if (range != null && ifRange != null && !ifRange.equals("\"" + digest + "\"")) {
                range = null; // a different entity: the whole body
            }
            long start = range == null ? 0 : range.start();
            long length = range == null ? size : range.length();
            ApiResponse r = ApiResponse.stream(range == null ? 200 : 206, PackageFormat.MEDIA_TYPE, new ApiResponse.BodyWriter() {
                @Override
                public long length() {
                    return length;
                }

                @Override
                public void writeTo(OutputStream out) throws IOException {
                    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(1 << 18);
                        long sent = 0;
                        while (sent < length) {
                            buf.clear().limit((int) Math.min(buf.capacity(), length - sent));
                            int n = ch.read(buf, start + sent);
                            if (n <= 0) {
                                throw new IOException("the package file ended early");
                            }
                            out.write(buf.array(), 0, n);
                            sent += n;
                        }
                    } catch (NoSuchFileException e) {
                        throw new IOException("the package was removed while being sent", e);
                    }
                }
            }).header("Accept-Ranges", "bytes").header("ETag", "\"" + digest + "\"")
                    .header("Cache-Control", "public, max-age=31536000, immutable");
            if (range != null) {
                r.header("Content-Range", range.contentRange(size));
            }
            if (head) {
                r.header("Content-Length", Long.toString(length));
            }
            return r;
        });
    }

    private static String title(int status) {
        return switch (status) {
            case 413 -> "Payload Too Large";
            case 422 -> "Unprocessable Content";
            case 507 -> "Insufficient Storage";
            default -> "Bad Request";
        };
    }
}
