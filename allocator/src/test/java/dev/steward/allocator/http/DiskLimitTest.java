package dev.steward.allocator.http;

import dev.steward.api.PackageManifest;
import dev.steward.pkg.BuiltPackage;
import dev.steward.pkg.PackageBuilder;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A small package that expands far past the disk it is given is refused before any agent
 * writes a byte of it, for a task and for a service, with both figures in the reason. (Before,
 * a 291 KB package that expanded to 8 GiB ran in an allocation of 100m.)
 */
class DiskLimitTest {
    private LiveServer s;
    private String digest;
    private long compressed;

    @BeforeEach
    void start() throws Exception {
        s = new LiveServer();
        Path tree = Files.createDirectories(s.dir.resolve("bomb"));
        try (OutputStream out = Files.newOutputStream(tree.resolve("zeros"))) {
            byte[] mib = new byte[1 << 20];
            for (int i = 0; i < 48; i++) {
                out.write(mib); // 48 MiB of zeros: a few KB once compressed
            }
        }
        Files.writeString(tree.resolve("run.sh"), "sleep 600");
        Path pkg = s.dir.resolve("bomb.tar.zst");
        BuiltPackage p = PackageBuilder.from(tree).manifest(new PackageManifest(null, "bomb", "1", "sh run.sh", null, List.of(), null, null, null))
                .writeTo(pkg);
        compressed = Files.size(pkg);
        Request up = new Request.Builder().url(s.server.url() + "/v1/packages/" + p.digest()).header("Authorization", "Bearer " + s.admin())
                .put(RequestBody.create(Files.readAllBytes(pkg), MediaType.get("application/octet-stream"))).build();
        try (Response r = s.http.newCall(up).execute()) {
            assertThat(r.code()).isEqualTo(201);
        }
        digest = p.digest();
        Files.delete(tree.resolve("zeros"));
        var joined = s.post("/v1/agents", s.server.joinToken(), "{\"name\":\"m1\",\"cpus\":\"4\",\"memory\":\"8g\",\"disk\":\"10g\"}");
        assertThat(joined.code()).isEqualTo(201);
    }

    @AfterEach
    void stop() {
        s.close();
    }

    @Test
    void aTaskWhosePackageExpandsPastItsAllocationsDiskIsRefusedNamingBoth() {
        assertThat(compressed).as("the package is small on the wire").isLessThan(1 << 20);
        String small = s.post("/v1/requests", s.admin(), "{\"cpus\":\"0.1\",\"memory\":\"16m\",\"disk\":\"16m\"}").body().path("allocations").get(0).asText();
        LiveServer.Reply refused = s.post("/v1/allocations/" + small + "/tasks", s.admin(), "{\"name\":\"t\",\"packageDigest\":\"" + digest + "\"}");
        assertThat(refused.code()).isEqualTo(409);
        assertThat(refused.body().path("detail").asText()).contains("expands to 49m").contains("disk of 16m").contains("allocation " + small);
        assertThat(s.get("/v1/allocations/" + small + "/tasks", s.admin()).body().size()).as("no task was made").isZero();

        String roomy = s.post("/v1/requests", s.admin(), "{\"cpus\":\"0.1\",\"memory\":\"16m\",\"disk\":\"64m\"}").body().path("allocations").get(0).asText();
        assertThat(s.post("/v1/allocations/" + roomy + "/tasks", s.admin(), "{\"name\":\"t\",\"packageDigest\":\"" + digest + "\"}").code())
                .as("the same package fits 64m").isEqualTo(201);
    }

    @Test
    void aServiceWhosePackageExpandsPastEachInstancesDiskIsRefusedNamingBoth() {
        LiveServer.Reply refused = s.put("/v1/services/bomb/prod", s.admin(), "{\"packageDigest\":\"" + digest + "\",\"disk\":\"16m\",\"memory\":\"16m\"}");
        assertThat(refused.code()).isEqualTo(409);
        assertThat(refused.body().path("detail").asText()).contains("expands to 49m").contains("disk of 16m").contains("bomb/prod");
        assertThat(s.get("/v1/services", s.admin()).body().size()).as("nothing was stored").isZero();
        assertThat(s.put("/v1/services/bomb/prod", s.admin(), "{\"packageDigest\":\"" + digest + "\",\"disk\":\"64m\",\"memory\":\"16m\"}").code())
                .isEqualTo(201);
    }
}
