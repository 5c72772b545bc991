package dev.steward.tls;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;

/**
 * A party's own certificate and key, read again when their files change ({@link Reloading}). The
 * alias a handshake is given names the load it came from, so the chain and the key it then asks
 * for are always one pair, even when the files are read again in between.
 */
final class ReloadingKeyManager extends X509ExtendedKeyManager {
    private final Reloading<X509ExtendedKeyManager> managers;

    ReloadingKeyManager(Reloading<X509ExtendedKeyManager> managers) {
        this.managers = managers;
    }

    private static String tag(String alias, long generation) {
        return alias == null ? null : alias + "@" + generation;
    }

    private X509ExtendedKeyManager of(String tagged) {
        int at = tagged == null ? -1 : tagged.lastIndexOf('@');
        if (at < 0) {
            return managers.at(-1);
        }
        try {
            return managers.at(Long.parseLong(tagged.substring(at + 1)));
        } catch (NumberFormatException e) {
            return managers.at(-1);
        }
    }

    private static String alias(String tagged) {
        int at = tagged == null ? -1 : tagged.lastIndexOf('@');
        return at < 0 ? tagged : tagged.substring(0, at);
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        Reloading.Loaded<X509ExtendedKeyManager> m = managers.get();
        return tag(m.value().chooseClientAlias(keyType, issuers, socket), m.generation());
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        Reloading.Loaded<X509ExtendedKeyManager> m = managers.get();
        return tag(m.value().chooseServerAlias(keyType, issuers, socket), m.generation());
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
        Reloading.Loaded<X509ExtendedKeyManager> m = managers.get();
        return tag(m.value().chooseEngineClientAlias(keyType, issuers, engine), m.generation());
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        Reloading.Loaded<X509ExtendedKeyManager> m = managers.get();
        return tag(m.value().chooseEngineServerAlias(keyType, issuers, engine), m.generation());
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        Reloading.Loaded<X509ExtendedKeyManager> m = managers.get();
        String[] a = m.value().getClientAliases(keyType, issuers);
        return a == null ? null : java.util.Arrays.stream(a).map(x -> tag(x, m.generation())).toArray(String[]::new);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        Reloading.Loaded<X509ExtendedKeyManager> m = managers.get();
        String[] a = m.value().getServerAliases(keyType, issuers);
        return a == null ? null : java.util.Arrays.stream(a).map(x -> tag(x, m.generation())).toArray(String[]::new);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        return of(alias).getCertificateChain(alias(alias));
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        return of(alias).getPrivateKey(alias(alias));
    }
}
