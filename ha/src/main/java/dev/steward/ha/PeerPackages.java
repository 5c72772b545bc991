package dev.steward.ha;

import dev.steward.allocator.packages.PackageStore;
import org.apache.curator.framework.CuratorFramework;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The leader's package replication: before an upload is acknowledged, its bytes are sent to every
 * other allocator registered in ZooKeeper ({@code members/}), which keeps them without a record
 * ({@code PUT /v1/internal/packages/DIGEST} with the cluster's peer token). If one cannot take
 * them, the upload fails and the client sends it again. A package acknowledged is therefore on
 * every allocator that was up, and a follower that takes over can serve it; one that was down
 * then fetches it from a peer ({@code GET} on the same route) when it takes over.
 */
final class PeerPackages implements PackageStore.Replicator {
    private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(PeerPackages.class.getName());
    static final String ROUTE = "/v1/internal/packages/";
    private final CuratorFramework zk;
    private final String root;
    private final String self;
    private final String peerToken;
    private final HttpClient http;

    PeerPackages(CuratorFramework zk, String root, String self, String peerToken, javax.net.ssl.SSLContext tls) {
        this.zk = zk;
        this.root = root;
        this.self = self;
        this.peerToken = peerToken;
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
        if (tls != null) {
            b.sslContext(tls);
        }
        this.http = b.build();
    }

    /** The other allocators' URLs, as they registered them. */
    List<String> peers() throws IOException {
        List<String> out = new ArrayList<>();
        try {
            for (String c : zk.getChildren().forPath(root + "/members")) {
                try {
                    String url = new String(zk.getData().forPath(root + "/members/" + c), StandardCharsets.UTF_8);
                    if (!url.equals(self)) {
                        out.add(url);
                    }
                } catch (org.apache.zookeeper.KeeperException.NoNodeException gone) {
                    // left meanwhile
                }
            }
        } catch (Exception e) {
            throw new PackageStore.NotReplicated("cannot list the other allocators in ZooKeeper: " + e.getMessage()
                    + "; nothing was acknowledged, send the package again", e);
        }
        return out;
    }

    /** Fetches a package this server lacks (it was down when the package was uploaded) from the first peer that has it. */
    @Override
    public boolean fetch(String digest, PackageStore store) {
        try {
            for (String peer : peers()) {
                try {
                    HttpResponse<java.io.InputStream> r = http.send(HttpRequest.newBuilder(URI.create(peer + ROUTE + digest)).timeout(Duration.ofMinutes(10))
                            .header("Authorization", "Bearer " + peerToken).GET().build(), HttpResponse.BodyHandlers.ofInputStream());
                    try (java.io.InputStream body = r.body()) {
                        if (r.statusCode() == 200) {
                            store.accept(digest, body, r.headers().firstValueAsLong("content-length").orElse(-1));
                            LOG.info("fetched package " + digest + " from " + peer + " (this server did not have it)");
                            return true;
                        }
                        LOG.info("the allocator at " + peer + " has no copy of package " + digest + " (" + r.statusCode() + ")");
                    }
                } catch (IOException e) {
                    LOG.warning("cannot fetch package " + digest + " from " + peer + ": " + e.getMessage());
                }
            }
            LOG.warning("no other allocator has package " + digest + "; its record is dropped");
        } catch (IOException e) {
            LOG.warning("cannot list the other allocators to fetch package " + digest + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }

    @Override
    public void replicate(String digest, Path file, long size) throws IOException {
        Duration bound = Duration.ofSeconds(30 + size / (8L << 20)); // 30 s and a second per 8 MiB: slow, but not stuck
        for (String peer : peers()) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(peer + ROUTE + digest)).timeout(bound)
                        .header("Authorization", "Bearer " + peerToken).header("Content-Type", "application/octet-stream")
                        .PUT(HttpRequest.BodyPublishers.ofFile(file)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() / 100 != 2) {
                    throw new IOException(r.statusCode() + " " + r.body());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new PackageStore.NotReplicated("interrupted while copying the package to " + peer, e);
            } catch (IOException e) {
                throw new PackageStore.NotReplicated("cannot copy the package to the allocator at " + peer + " (" + e.getMessage()
                        + "); nothing was acknowledged, send it again", e);
            }
        }
    }
}
