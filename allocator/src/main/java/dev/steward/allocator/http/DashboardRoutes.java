package dev.steward.allocator.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The web dashboard: {@code GET /} (the page) and {@code GET /ui/{file}} (its scripts and
 * styles), plain files from the jar, read once at start. They hold no data and need no token:
 * the page asks for one and calls the API with it, so it sees what the token may see. Only the
 * files listed in {@link #FILES} are served, and every answer carries a Content-Security-Policy
 * that lets the page load nothing and talk to nothing but this server, and never be framed.
 */
final class DashboardRoutes {
    static final String BASE = "/dev/steward/allocator/ui/";
    /** The dashboard's files, with their types. */
    static final Map<String, String> FILES = Map.ofEntries(
            Map.entry("index.html", "text/html; charset=utf-8"),
            Map.entry("app.css", "text/css; charset=utf-8"),
            Map.entry("app.js", "text/javascript; charset=utf-8"),
            Map.entry("api.js", "text/javascript; charset=utf-8"),
            Map.entry("dom.js", "text/javascript; charset=utf-8"),
            Map.entry("format.js", "text/javascript; charset=utf-8"),
            Map.entry("chart.js", "text/javascript; charset=utf-8"),
            Map.entry("cluster.js", "text/javascript; charset=utf-8"),
            Map.entry("roles.js", "text/javascript; charset=utf-8"),
            Map.entry("services.js", "text/javascript; charset=utf-8"),
            Map.entry("deployment.js", "text/javascript; charset=utf-8"),
            Map.entry("monitor.js", "text/javascript; charset=utf-8"),
            Map.entry("tokens.js", "text/javascript; charset=utf-8"),
            Map.entry("logs.js", "text/javascript; charset=utf-8"),
            Map.entry("allocations.js", "text/javascript; charset=utf-8"),
            Map.entry("links.js", "text/javascript; charset=utf-8"));
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
            + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private record File(String type, byte[] bytes, String etag) {
    }

    private final Map<String, File> files = new LinkedHashMap<>();

    DashboardRoutes() {
        for (Map.Entry<String, String> e : FILES.entrySet()) {
            try (InputStream in = DashboardRoutes.class.getResourceAsStream(BASE + e.getKey())) {
                if (in == null) {
                    throw new IllegalStateException("the dashboard's " + e.getKey() + " is missing from the jar");
                }
                byte[] b = in.readAllBytes();
                files.put(e.getKey(), new File(e.getValue(), b, "\"" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b), 0, 16) + "\""));
            } catch (IOException x) {
                throw new UncheckedIOException(x);
            } catch (NoSuchAlgorithmException x) {
                throw new IllegalStateException(x);
            }
        }
    }

    List<Route> routes() {
        return List.of(
                new Route("GET", "/", Set.of(), c -> serve(c, "index.html")),
                new Route("GET", "/ui/{file}", Set.of(), c -> serve(c, c.param("file"))));
    }

    private CompletableFuture<ApiResponse> serve(Route.Call c, String name) {
        File f = files.get(name);
        if (f == null) {
            throw new ApiError(404, "Not Found", "the dashboard has no file " + name, null);
        }
        String since = c.request().header("if-none-match");
        ApiResponse r = f.etag().equals(since) ? new ApiResponse(304, f.type(), new LinkedHashMap<>(), new byte[0])
                : new ApiResponse(200, f.type(), new LinkedHashMap<>(), f.bytes());
        return CompletableFuture.completedFuture(r.header("ETag", f.etag()).header("Cache-Control", "no-cache")
                .header("Content-Security-Policy", CSP).header("X-Content-Type-Options", "nosniff").header("Referrer-Policy", "no-referrer")
                .header("X-Frame-Options", "DENY"));
    }
}
