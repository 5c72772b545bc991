package dev.steward.client;

import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;

import java.io.IOException;
import java.time.Duration;

/**
 * Configures a {@link StewardClient}: its allocator addresses, token, TLS, timeouts and retry
 * budget, and the interceptors every call goes through (request ids, retries of idempotent calls,
 * the leader or the next allocator, the bearer token).
 */
public final class StewardClientBuilder {
    private final String address;
    private String token;
    private OkHttpClient http = StewardClient.SHARED;
    private Duration retryBudget = Duration.ofSeconds(30);
    private Duration readTimeout = Duration.ofMinutes(6); // above the longest blocking query (5m)
    private Duration callTimeout = Duration.ZERO;
    private Duration answerGrace = StewardClient.DEFAULT_ANSWER_GRACE;
    private dev.steward.tls.TlsFiles tls;
    private boolean allowPlainHttp;
    private String caPem;

    StewardClientBuilder(String address) {
        this.address = address;
    }

    public StewardClientBuilder token(String t) {
        this.token = t;
        return this;
    }

    public StewardClientBuilder http(OkHttpClient c) {
        this.http = c;
        return this;
    }

    /** How long idempotent calls keep retrying through connection failures and 502-504s. */
    public StewardClientBuilder retryBudget(Duration d) {
        this.retryBudget = d;
        return this;
    }

    /**
     * Verifies the server against {@code tls}'s CA (instead of the JDK's trust store) and, if it
     * holds a certificate and key, presents them when the server asks (mutual TLS).
     */
    public StewardClientBuilder tls(dev.steward.tls.TlsFiles t) {
        this.tls = t;
        return this;
    }

    /**
     * Verifies the server against the CA certificate(s) in PEM {@code text} (as pasted into the
     * Jenkins plugin's configuration) instead of a file; takes precedence over {@link #tls}'s CA.
     */
    public StewardClientBuilder caCertificate(String text) {
        this.caPem = text == null || text.isBlank() ? null : text;
        return this;
    }

    /**
     * Lets a token go over plain HTTP to an address that is not loopback: off by default, since
     * anyone on the path reads it. For a trusted network only (or a test network).
     */
    public StewardClientBuilder allowPlainHttp(boolean allow) {
        this.allowPlainHttp = allow;
        return this;
    }

    /** A bound on each whole call, retries included (none by default: blocking queries wait long). */
    public StewardClientBuilder callTimeout(Duration d) {
        this.callTimeout = d;
        return this;
    }

    /**
     * How long past a blocking query's wait (or a log follow's) the client still waits for the
     * allocator's answer before it takes the allocator for dead (30 s by
     * default; an allocator whose machine died sends nothing, not even the end of the
     * connection). Keep it above 10 s: the allocator answers a log follow within its wait and
     * 10 s, and a 504 then is an answer, not silence.
     */
    public StewardClientBuilder answerGrace(Duration d) {
        if (d == null || d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("answerGrace: must be more than 0, was " + d);
        }
        this.answerGrace = d;
        return this;
    }

    public StewardClient build() {
        java.util.List<HttpUrl> urls = Servers.parse(address);
        HttpUrl url = urls.get(0);
        for (HttpUrl each : urls) {
            checkPlain(each);
        }
        Servers servers = new Servers(urls, u -> u.isHttps() || token == null || allowPlainHttp || StewardClient.loopback(u.host()));
        OkHttpClient.Builder b = http.newBuilder().followRedirects(false); // a follower's 307 is followed below, with the token
        if (http == StewardClient.SHARED && (tls != null || caPem != null || urls.stream().anyMatch(HttpUrl::isHttps))) {
            b.connectionSpecs(java.util.List.of(okhttp3.ConnectionSpec.MODERN_TLS, okhttp3.ConnectionSpec.CLEARTEXT)); // OkHttp's default
        }
        javax.net.ssl.SSLContext ssl = null;
        if (tls != null || caPem != null) {
            try {
                javax.net.ssl.X509TrustManager tm = caPem != null
                        ? dev.steward.tls.TlsFiles.trusting(dev.steward.tls.Pem.certificates(caPem, "the CA certificate"),
                                dev.steward.tls.Pem.crls(caPem, "the CA certificate"), "the CA certificate")
                        : tls.trustManager();
                javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
                ctx.init(tls == null ? null : tls.keyManagers(), new javax.net.ssl.TrustManager[] {tm}, null);
                b.sslSocketFactory(ctx.getSocketFactory(), tm);
                ssl = ctx;
            } catch (IOException | java.security.GeneralSecurityException e) {
                throw new IllegalArgumentException("TLS: " + e.getMessage(), e);
            }
        }
        OkHttpClient c = b
                .readTimeout(readTimeout)
                .callTimeout(callTimeout)
                .addInterceptor(new RequestIdInterceptor())                                                  // one id per call, kept across retries
                .addInterceptor(new RetryInterceptor(Duration.ofMillis(100), Duration.ofSeconds(5), retryBudget)) // idempotent calls only
                .addInterceptor(new ServersInterceptor(servers))                                             // to the leader, or the next allocator
                .addInterceptor(new AuthInterceptor(token))                                                  // bearer token
                .build();
        return new StewardClient(url, c, new AsyncQueries(ssl, token, retryBudget, answerGrace, servers));
    }

    private void checkPlain(HttpUrl url) {
        if (!url.isHttps() && token != null && !allowPlainHttp && !StewardClient.loopback(url.host())) {
            throw new IllegalArgumentException(PlainHttp.refusal(url.host()));
        }
    }
}
