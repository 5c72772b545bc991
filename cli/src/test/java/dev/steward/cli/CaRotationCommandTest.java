package dev.steward.cli;

import dev.steward.allocator.Server;
import dev.steward.allocator.ServerConfig;
import dev.steward.allocator.http.ServerTls;
import dev.steward.tls.TlsFiles;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code steward tls ca rotate} and {@code finish} against a running allocator on mutual TLS, as an
 * operator would do it: no restart, and at no step is a client with either CA's certificate
 * refused until the finish, after which the old CA's certificate is.
 */
class CaRotationCommandTest {
    @TempDir
    Path dir;

    private CliRun tls(String... args) {
        return CliRun.tls(dir, args);
    }

    /** Whether a fresh client (a full handshake) presenting {@code stem}'s certificate, trusting {@code ca}, gets the allocator's health. */
    private boolean served(String url, String stem, Path ca) {
        try {
            TlsFiles files = new TlsFiles(ca, dir.resolve(stem + ".pem"), dir.resolve(stem + "-key.pem"));
            OkHttpClient c = new OkHttpClient.Builder().sslSocketFactory(files.context().getSocketFactory(), files.trustManager())
                    .callTimeout(Duration.ofSeconds(10)).build();
            try (Response r = c.newCall(new Request.Builder().url(url + "/v1/health").build()).execute()) {
                return r.code() == 200;
            } finally {
                c.connectionPool().evictAll();
            }
        } catch (Exception e) {
            return false;
        }
    }

    @Test
    void the_ca_is_replaced_under_a_running_allocator_with_no_client_refused_until_the_finish() throws Exception {
        assertThat(tls("ca", "create", "--name", "old CA").code()).isZero();
        assertThat(tls("cert", "create", "--server").code()).isZero();
        assertThat(tls("cert", "create", "--client", "--out", "old-client").code()).isZero();
        Path ca = dir.resolve("steward-ca.pem");
        Path onlyOld = Files.copy(ca, dir.resolve("old-ca-only.pem"));
        try (Server a = Server.start(ServerConfig.of(dir.resolve("data"))
                .withTls(new ServerTls(new TlsFiles(ca, dir.resolve("server.pem"), dir.resolve("server-key.pem")), true, Duration.ofMillis(500))))) { // its files looked at every 500 ms, not 10 s
            String url = a.url();
            assertThat(served(url, "old-client", ca)).isTrue();

            CliRun rotate = tls("ca", "rotate", "--name", "new CA");
            assertThat(rotate.code()).as(rotate.err()).isZero();
            assertThat(rotate.out()).contains("==> new CA: " + ca + " (the new CA, then the old)").contains("1. give every party")
                    .contains("steward tls ca finish --dir " + dir);
            assertThat(tls("cert", "create", "--client", "--out", "new-client").code()).isZero();
            await().atMost(Duration.ofSeconds(60)).until(() -> served(url, "new-client", ca)); // the allocator reads its CA file again
            assertThat(served(url, "old-client", ca)).as("under way: the old CA's client still served").isTrue();
            CliRun again = tls("ca", "rotate");
            assertThat(again.code()).isEqualTo(1);
            assertThat(again.err()).contains("a rotation is under way already");

            // the allocator's own certificate issued again, from the new CA, written over the old (key first: the reload waits for a pair)
            assertThat(tls("cert", "create", "--server", "--out", "server-next").code()).isZero();
            Files.move(dir.resolve("server-next-key.pem"), dir.resolve("server-key.pem"), StandardCopyOption.REPLACE_EXISTING);
            Files.move(dir.resolve("server-next.pem"), dir.resolve("server.pem"), StandardCopyOption.REPLACE_EXISTING);
            await().atMost(Duration.ofSeconds(60)).until(() -> !served(url, "new-client", onlyOld)); // it presents the new CA's certificate

            CliRun finish = tls("ca", "finish");
            assertThat(finish.code()).as(finish.err()).isZero();
            assertThat(finish.out()).contains("holds the new CA alone (CN=new CA");
            await().atMost(Duration.ofSeconds(60)).until(() -> !served(url, "old-client", ca)); // the old CA's client refused from then on
            assertThat(served(url, "new-client", ca)).as("the new CA's client, trusting the new CA alone").isTrue();
            CliRun twice = tls("ca", "finish");
            assertThat(twice.code()).isEqualTo(1);
            assertThat(twice.err()).contains("no rotation is under way");
        }
    }
}
