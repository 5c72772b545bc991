package dev.steward.allocator.http;

import dev.steward.tls.TlsFiles;

import java.io.IOException;

/**
 * How a Steward HTTP server (the allocator, an agent's log server) speaks TLS: {@code files}
 * holds its certificate and key, and the CA it trusts; with {@code verifyClients}, every caller
 * must present a certificate from that CA (mutual TLS, Nomad's verify_https_client), and tokens
 * are still checked after it. The same files make the server's own client context (the
 * allocator reading agents' logs), which presents the same certificate. Both read the files again
 * once they change on disk, looking every {@code reloadEvery} at most ({@link TlsFiles#RELOAD_EVERY}
 * unless an embedding says otherwise).
 */
public record ServerTls(TlsFiles files, boolean verifyClients, java.time.Duration reloadEvery) {
    public ServerTls(TlsFiles files, boolean verifyClients) {
        this(files, verifyClients, TlsFiles.RELOAD_EVERY);
    }

    public ServerTls {
        if (reloadEvery == null || reloadEvery.isNegative()) {
            throw new IllegalArgumentException("reloadEvery: must be 0 or more, was " + reloadEvery);
        }
        if (!files.hasIdentity()) {
            throw new IllegalArgumentException("a TLS server needs its certificate and key");
        }
        if (verifyClients && files.caCert() == null) {
            throw new IllegalArgumentException("verifying client certificates needs the CA that issued them");
        }
    }

    /**
     * When this server's certificates end (its own, each CA it trusts), read again as their files
     * change; each that ends within {@link dev.steward.tls.CertificateExpiry#WARN_WITHIN} of
     * {@code now}, or has ended, is logged now as a warning saying how to renew it; so is its own
     * certificate when its CA file revokes it.
     */
    public java.util.function.Supplier<java.util.List<dev.steward.tls.CertificateExpiry>> expiries(java.time.Instant now) throws IOException {
        java.util.logging.Logger log = java.util.logging.Logger.getLogger(ServerTls.class.getName());
        files.warnIfOwnRevoked(log::warning); // its own certificate revoked in its own CA file: every party given the file refuses it
        return dev.steward.tls.CertificateExpiry.watch(files, dev.steward.tls.CertificateExpiry.of(files, now, log::warning));
    }

    /** An SSL context of these files, read again as they change (the server's own, and its client side's). */
    public javax.net.ssl.SSLContext context() throws IOException {
        return files.context(reloadEvery);
    }

    /** As {@link #context()}, with the revocations it uses now, for the server to check each request against. */
    public TlsFiles.Live live() throws IOException {
        return files.live(reloadEvery);
    }

    /** Jetty's TLS layer for this server, on {@code context} ({@link #live}). */
    org.eclipse.jetty.util.ssl.SslContextFactory.Server jetty(javax.net.ssl.SSLContext context) {
        org.eclipse.jetty.util.ssl.SslContextFactory.Server f = new org.eclipse.jetty.util.ssl.SslContextFactory.Server();
        f.setSslContext(context);
        f.setNeedClientAuth(verifyClients);
        f.setSniRequired(false);
        return f;
    }
}
