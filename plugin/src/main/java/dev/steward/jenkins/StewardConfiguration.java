package dev.steward.jenkins;

import com.cloudbees.plugins.credentials.CredentialsMatchers;
import com.cloudbees.plugins.credentials.CredentialsProvider;
import dev.steward.client.StewardClient;
import dev.steward.steps.PendingReleases;
import hudson.Extension;
import hudson.ExtensionList;
import hudson.security.ACL;
import hudson.util.Secret;
import java.io.IOException;
import jenkins.model.GlobalConfiguration;
import jenkins.model.Jenkins;
import org.jenkinsci.Symbol;
import org.jenkinsci.plugins.plaincredentials.StringCredentials;
import org.kohsuke.stapler.DataBoundSetter;

/**
 * Where the allocator is: its URL, or {@code embedded} (the bundled allocator inside this
 * controller, data under JENKINS_HOME/steward, on {@code embeddedPort}); the credentials id of the
 * role token (a Secret text) and the role; for an {@code https://} allocator, the cluster's CA
 * certificate (PEM text: public, so a plain field) it is checked against. A token never goes to a
 * non-loopback {@code http://} allocator unless {@code allowPlainHttp} is set. Usable from
 * Configuration as Code as {@code steward:}.
 */
@Extension
@Symbol("steward")
public class StewardConfiguration extends GlobalConfiguration {
    private String url;
    private boolean embedded;
    private int embeddedPort = 4646;
    private String credentialsId;
    private String role;
    private String caCertificate;
    private boolean allowPlainHttp;

    public StewardConfiguration() {
        load();
    }

    public static StewardConfiguration get() {
        return ExtensionList.lookupSingleton(StewardConfiguration.class);
    }

    public String getUrl() {
        return url;
    }

    @DataBoundSetter
    public void setUrl(String url) {
        this.url = url;
        save();
    }

    public boolean isEmbedded() {
        return embedded;
    }

    @DataBoundSetter
    public void setEmbedded(boolean embedded) {
        this.embedded = embedded;
        save();
    }

    public int getEmbeddedPort() {
        return embeddedPort;
    }

    @DataBoundSetter
    public void setEmbeddedPort(int embeddedPort) {
        this.embeddedPort = embeddedPort;
        save();
    }

    public String getCredentialsId() {
        return credentialsId;
    }

    @DataBoundSetter
    public void setCredentialsId(String credentialsId) {
        this.credentialsId = credentialsId;
        save();
    }

    public String getRole() {
        return role;
    }

    @DataBoundSetter
    public void setRole(String role) {
        this.role = role;
        save();
    }

    public String getCaCertificate() {
        return caCertificate;
    }

    @DataBoundSetter
    public void setCaCertificate(String caCertificate) {
        this.caCertificate = caCertificate;
        save();
    }

    public boolean isAllowPlainHttp() {
        return allowPlainHttp;
    }

    @DataBoundSetter
    public void setAllowPlainHttp(boolean allowPlainHttp) {
        this.allowPlainHttp = allowPlainHttp;
        save();
    }

    /** The allocator's address: the embedded one's, or the configured URL. */
    public String address() throws IOException {
        if (embedded) {
            return EmbeddedAllocator.url();
        }
        if (url == null || url.isBlank()) {
            throw new IOException("Steward is not configured: set the allocator's URL (or embedded) in Manage Jenkins > System > Steward");
        }
        return url;
    }

    /** The token: the role token's Secret text, or the embedded allocator's admin token. Never logged. */
    public String token() throws IOException {
        if (credentialsId != null && !credentialsId.isBlank()) {
            StringCredentials c = CredentialsMatchers.firstOrNull(
                    CredentialsProvider.lookupCredentialsInItemGroup(StringCredentials.class, Jenkins.get(), ACL.SYSTEM2),
                    CredentialsMatchers.withId(credentialsId));
            if (c == null) {
                throw new IOException("no Secret text credentials with id '" + credentialsId + "' for Steward");
            }
            return Secret.toString(c.getSecret());
        }
        if (embedded) {
            return EmbeddedAllocator.adminToken();
        }
        throw new IOException("Steward has no credentials: choose the Secret text holding the role token");
    }

    /**
     * The client for the current settings. One is kept and shared by every step and the sweep (its
     * connection pool, and the HTTP client its waits use, which has a selector thread); it is
     * rebuilt when the address, token, CA certificate or plain-HTTP setting changes.
     */
    public StewardClient client() throws IOException {
        ClientKey key = new ClientKey(address(), token(), caCertificate, allowPlainHttp);
        Cached c = cached;
        if (c == null || !c.key().equals(key)) {
            c = new Cached(key, StewardClient.builder(key.address()).token(key.token()).caCertificate(key.ca()).allowPlainHttp(key.plain()).build());
            cached = c;
        }
        return c.client();
    }

    /** The releases steps could not make, retried by {@link CloudSweep}: JENKINS_HOME/steward-plugin/pending-releases. */
    static PendingReleases pendingReleases() {
        return new PendingReleases(Jenkins.get().getRootDir().toPath().resolve("steward-plugin").resolve("pending-releases"));
    }

    private transient volatile Cached cached;

    private record ClientKey(String address, String token, String ca, boolean plain) {
        @Override
        public String toString() {
            return address; // never the token
        }
    }

    private record Cached(ClientKey key, StewardClient client) {
    }
}
