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

    /** What the current load chooses, its alias tagged with that load. */
    private String chosen(java.util.function.Function<X509ExtendedKeyManager, String> choose) {
        Reloading.Loaded<X509ExtendedKeyManager> m = managers.get();
        return tag(choose.apply(m.value()), m.generation());
    }

    /** The current load's aliases, each tagged with that load. */
    private String[] all(java.util.function.Function<X509ExtendedKeyManager, String[]> list) {
        Reloading.Loaded<X509ExtendedKeyManager> m = managers.get();
        String[] a = list.apply(m.value());
        return a == null ? null : java.util.Arrays.stream(a).map(x -> tag(x, m.generation())).toArray(String[]::new);
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return chosen(m -> m.chooseClientAlias(keyType, issuers, socket));
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return chosen(m -> m.chooseServerAlias(keyType, issuers, socket));
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
        return chosen(m -> m.chooseEngineClientAlias(keyType, issuers, engine));
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return chosen(m -> m.chooseEngineServerAlias(keyType, issuers, engine));
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return all(m -> m.getClientAliases(keyType, issuers));
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return all(m -> m.getServerAliases(keyType, issuers));
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
