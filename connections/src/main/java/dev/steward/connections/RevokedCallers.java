package dev.steward.connections;

import dev.steward.tls.Revocations;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Request;

/**
 * A caller whose certificate was revoked after its connection was made: kept alive, or its TLS
 * session resumed, it never meets the trust manager again, so a server asks this of each request
 * (the allocator's API, an agent's log server) and refuses it with a 403 that says why.
 */
public final class RevokedCallers {
    private RevokedCallers() {
    }

    /**
     * Why {@code request}'s caller is refused, when a certificate it presented is revoked by
     * {@code now}; null when none is, or when it presented none (plain HTTP, no client certificate).
     */
    public static String refusal(Request request, Revocations now) {
        if (now.isEmpty() || !(request.getAttribute(EndPoint.SslSessionData.ATTRIBUTE) instanceof EndPoint.SslSessionData ssl)
                || ssl.peerCertificates() == null) {
            return null;
        }
        return now.refusal(ssl.peerCertificates());
    }
}
