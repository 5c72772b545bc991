package dev.steward.client;

import com.fasterxml.jackson.databind.JavaType;
import dev.steward.api.Problem;
import okhttp3.HttpUrl;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * Blocking queries made asynchronously, with {@code java.net.http}: the request is sent, the
 * answer is read by the client's selector thread when the allocator gives it, and nothing waits
 * in between. OkHttp's {@code enqueue} would hold one of its dispatcher's threads for each parked
 * query, which is what the steps must not do. The client is made on first use (it owns a
 * selector thread) and speaks HTTP/1.1, with the same CA, client certificate and token as the
 * OkHttp side.
 */
final class AsyncQueries {
    /**
     * Where answers are parsed and callbacks run, for every client of the JVM: four threads at
     * most, gone when idle. Callbacks must be short (log a line, complete a future); a thousand
     * parked waits need no more threads than this.
     */
    private static final java.util.concurrent.ThreadPoolExecutor CALLBACKS = callbacks();
    private final SSLContext ssl;
    private final String token;
    private final Duration retryBudget;
    private final Duration answerGrace;
    private volatile HttpClient http;
    private final Servers servers;

    AsyncQueries(SSLContext ssl, String token, Duration retryBudget, Duration answerGrace, Servers servers) {
        this.servers = servers;
        this.ssl = ssl;
        this.token = token;
        this.retryBudget = retryBudget;
        this.answerGrace = answerGrace;
    }

    Duration retryBudget() {
        return retryBudget;
    }

    private HttpClient http() {
        HttpClient h = http;
        if (h == null) {
            synchronized (this) {
                if (http == null) {
                    HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10))
                            .executor(CALLBACKS);
                    if (ssl != null) {
                        b.sslContext(ssl);
                    }
                    http = b.build();
                }
                h = http;
            }
        }
        return h;
    }

    /**
     * How long a blocking query with {@code wait} may take in all: the allocator answers by the end
     * of the wait; beyond it and the grace more (30 s unless the builder says otherwise) something
     * is wrong (an allocator whose machine died sends nothing, not even the end of the connection).
     */
    Duration answerWithin(Duration wait) {
        return wait.plus(answerGrace);
    }

    /** GET {@code url?index=after&wait=...}: the value and the change index, or a {@link StewardException} with the allocator's problem. */
    <T> CompletableFuture<Indexed<T>> query(HttpUrl url, long after, Duration wait, JavaType type) {
        return query(url, after, wait, type, f -> { }, 0);
    }

    /**
     * As above, handing each exchange it starts to {@code sent}: cancelling that future cancels
     * the query (the JDK's client closes its connection, and the allocator gives back at once the
     * place it held parked, instead of at the end of its wait).
     */
    <T> CompletableFuture<Indexed<T>> query(HttpUrl url, long after, Duration wait, JavaType type, java.util.function.Consumer<CompletableFuture<?>> sent) {
        return query(url, after, wait, type, sent, 0);
    }

    /** A blocking query: GET with the index and wait, if any. */
    private <T> CompletableFuture<Indexed<T>> query(HttpUrl given, long after, Duration wait, JavaType type,
                                                    java.util.function.Consumer<CompletableFuture<?>> sentTo, int hops) {
        return exchange(given, url -> {
            HttpUrl.Builder u = url.newBuilder();
            if (after > 0) {
                u.addQueryParameter("index", Long.toString(after)).addQueryParameter("wait", wait.toMillis() + "ms");
            }
            return HttpRequest.newBuilder(URI.create(u.build().toString())).GET();
        }, answerWithin(wait), "GET", type, sentTo, hops);
    }

    /**
     * POST {@code body} (JSON) to {@code url}, answered within {@code within}: the value, or a
     * {@link StewardException} with the allocator's problem. Never sent again once an allocator
     * may have acted on it; only a follower's 307 naming the leader, which did nothing, is sent
     * on there. Each exchange goes to {@code sentTo}: cancelling it closes the connection.
     */
    <T> CompletableFuture<T> post(HttpUrl given, byte[] body, Duration within, JavaType type, java.util.function.Consumer<CompletableFuture<?>> sentTo) {
        return this.<T>exchange(given, url -> HttpRequest.newBuilder(URI.create(url.toString())).POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .header("Content-Type", "application/json"), within, "POST", type, sentTo, 0).thenApply(Indexed::value);
    }

    /**
     * Sent to the current allocator of {@link Servers}, with the token and a request id; a
     * follower's 307 naming the leader is sent again there (it did nothing), an unreachable one
     * passes the turn.
     */
    private <T> CompletableFuture<Indexed<T>> exchange(HttpUrl given, java.util.function.Function<HttpUrl, HttpRequest.Builder> request, Duration within,
                                                       String method, JavaType type, java.util.function.Consumer<CompletableFuture<?>> sentTo, int hops) {
        HttpUrl url = servers.on(given);
        HttpRequest.Builder r = request.apply(url)
                .timeout(within)
                .header("X-Request-Id", UUID.randomUUID().toString())
                .header("Accept", "application/json");
        if (token != null) {
            r.header("Authorization", "Bearer " + token);
        }
        CompletableFuture<HttpResponse<String>> sent = http().sendAsync(r.build(), HttpResponse.BodyHandlers.ofString());
        sentTo.accept(sent);
        return sent.handle((resp, err) -> {
            if (err != null) {
                servers.failed(url);
                return CompletableFuture.<Indexed<T>>failedFuture(err);
            }
            String leader = resp.headers().firstValue(Servers.LEADER_HEADER).orElse(null);
            if (leader != null) {
                servers.leaderIs(leader);
                if (resp.statusCode() == 307 && hops < 3) {
                    return this.<T>exchange(given, request, within, method, type, sentTo, hops + 1);
                }
            }
            try {
                return CompletableFuture.completedFuture(this.<T>answer(url, resp, type, method));
            } catch (RuntimeException e) {
                return CompletableFuture.<Indexed<T>>failedFuture(e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e);
            }
        }).thenCompose(f -> f);
    }

    private <T> Indexed<T> answer(HttpUrl url, HttpResponse<String> resp, JavaType type, String method) {
        {
            String text = resp.body() == null ? "" : resp.body();
            if (resp.statusCode() / 100 != 2) {
                Problem p = null;
                try {
                    p = StewardClient.JSON.readValue(text, Problem.class);
                } catch (IOException ignored) {
                    // not a problem document: keep the status line
                }
                throw new java.util.concurrent.CompletionException(new StewardException(resp.statusCode(), p, method + " " + url.encodedPath() + " -> " + resp.statusCode()));
            }
            String idx = resp.headers().firstValue("X-Steward-Index").orElse(null);
            try {
                return new Indexed<>(idx == null ? 0 : Long.parseLong(idx), StewardClient.JSON.readValue(text, type));
            } catch (IOException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        }
    }

    private static java.util.concurrent.ThreadPoolExecutor callbacks() {
        java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.ThreadPoolExecutor e = new java.util.concurrent.ThreadPoolExecutor(4, 4, 30, java.util.concurrent.TimeUnit.SECONDS,
                new java.util.concurrent.LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "steward-watch-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        e.allowCoreThreadTimeOut(true);
        return e;
    }
}
