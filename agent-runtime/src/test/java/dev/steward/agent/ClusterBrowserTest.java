package dev.steward.agent;

import org.junit.jupiter.api.AfterEach;

/**
 * A browser test with a cluster and a browser of its own in each test: both are closed when it
 * ends, whatever happened, the browser first (it holds the cluster's pages open).
 */
abstract class ClusterBrowserTest {
    protected Cluster c;
    protected Browser b;

    @AfterEach
    void closeBrowserAndCluster() throws Exception {
        try {
            if (b != null) {
                b.close();
            }
        } finally {
            if (c != null) {
                c.close();
            }
        }
    }
}
