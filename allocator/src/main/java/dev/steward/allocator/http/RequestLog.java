package dev.steward.allocator.http;

import java.time.Clock;
import java.util.Locale;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The request log: one logfmt line per request, at {@link Level#FINE} (agents' routine traffic
 * at {@link Level#FINER}: {@link #routine}) on the logger
 * {@value #LOGGER}, so it costs nothing until someone turns it on ({@code steward server} writes
 * it to {@code access.log} in its data directory; in Jenkins, a log recorder on that logger):
 *
 * <pre>time=2026-12-03T06:30:00.123Z request_id=4f… remote=10.0.0.5 principal=role:ci method=GET route=/v1/services/{app}/{env} class=client status=200 duration_ms=3.21
 *time=2026-12-03T06:30:02.877Z request_id=9a… remote=10.0.0.5 principal=role:ci method=DELETE route=/v1/services/{app}/{env} target=web/pr-7 class=client status=202 duration_ms=4.02</pre>
 *
 * {@code remote} is the address the connection came from, as the socket saw it ({@code -} when not
 * known), as nginx's {@code $remote_addr}: where a token was used from. Behind a proxy named in
 * {@code --trusted-proxies} it is the client its {@code X-Forwarded-For} names, and {@code via=}
 * follows with the proxy's address ({@link TrustedProxies}).
 * A change that was taken (any method but GET, HEAD and OPTIONS, answered below 400) also names
 * what it acted on ({@code target}: the route's path parameters), so the log says who changed
 * what: who deployed or deleted which service, revoked which token, drained which agent.
 *
 * What it writes comes only from the {@link RequestTrace}: an id of safe characters, a route
 * template, the principal's kind and subject, and a taken change's path parameters, each of safe
 * characters and not shaped like a token. Never a raw path or query, never a header: no token can
 * reach it, not even one a user pasted into a URL.
 */
public final class RequestLog implements RequestObserver {
    public static final String LOGGER = "dev.steward.access";
    private static final Logger LOG = Logger.getLogger(LOGGER);
    private final Clock clock;

    public RequestLog(Clock clock) {
        this.clock = clock;
    }

    @Override
    public void done(RequestTrace trace, String method, TrafficClass cls, int status, long nanos) {
        Level level = routine(cls, method, trace.route(), status) ? Level.FINER : Level.FINE;
        if (!LOG.isLoggable(level)) {
            return;
        }
        LOG.log(level, line(clock.instant().toString(), trace.id(), trace.remote(), trace.via(), trace.who(), method, trace.route(),
                changed(method, status) ? trace.target() : null, cls, status, nanos));
    }

    /**
     * Agents' traffic that went well (heartbeats, task reports, their queries) and health checks
     * answered 2xx or 3xx: at 10,000 agents that is thousands of lines a second saying nothing, so
     * they are at FINER, below the default. Their failures are at FINE with the rest, and so is a
     * join ({@code POST /v1/agents}), once per machine: which join token was used, from where.
     */
    static boolean routine(TrafficClass cls, String method, String route, int status) {
        boolean join = method.equals("POST") && route.equals("/v1/agents");
        return (cls == TrafficClass.AGENT || cls == TrafficClass.PROBE) && status < 400 && !join;
    }

    /** A change that was taken (a method that changes, answered below 400): its line names what it acted on, so the log is an audit trail. */
    static boolean changed(String method, int status) {
        return status < 400 && !method.equals("GET") && !method.equals("HEAD") && !method.equals("OPTIONS");
    }

    static String line(String time, String id, String remote, String via, String who, String method, String route, String target, TrafficClass cls,
                       int status, long nanos) {
        return "time=" + time + " request_id=" + id + " remote=" + (remote == null ? "-" : remote) + (via == null ? "" : " via=" + via)
                + " principal=" + (who == null ? "anonymous" : who)
                + " method=" + method + " route=" + route
                + (target == null ? "" : " target=" + target) + " class=" + cls.name().toLowerCase(Locale.ROOT) + " status=" + status + " duration_ms="
                + String.format(Locale.ROOT, "%.2f", nanos / 1e6);
    }
}
