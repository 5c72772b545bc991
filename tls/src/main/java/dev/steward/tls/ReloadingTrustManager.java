package dev.steward.tls;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;

/**
 * The CAs a party trusts, read again when their file changes ({@link Reloading}): a CA rotated by
 * writing a file that holds the old CA and the new one is trusted by the next handshake. The
 * JDK's own manager does the checks (the host name too, where the connection asks for it).
 */
final class ReloadingTrustManager extends X509ExtendedTrustManager {
    private final Reloading<X509ExtendedTrustManager> managers;

    ReloadingTrustManager(Reloading<X509ExtendedTrustManager> managers) {
        this.managers = managers;
    }

    private X509ExtendedTrustManager now() {
        return managers.get().value();
    }

    /** The manager in use now (read again first if its file changed and it is time to look). */
    X509ExtendedTrustManager current() {
        return now();
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        now().checkClientTrusted(chain, authType, socket);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        now().checkServerTrusted(chain, authType, socket);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        now().checkClientTrusted(chain, authType, engine);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        now().checkServerTrusted(chain, authType, engine);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        now().checkClientTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        now().checkServerTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return now().getAcceptedIssuers();
    }
}
