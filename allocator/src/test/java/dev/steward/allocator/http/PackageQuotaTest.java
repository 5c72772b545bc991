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

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One tenant cannot fill the package store every tenant uploads to: a role holds at most
 * {@code --max-package-bytes-per-role} of packages (each it uploaded or ran counts whole), and
 * past it an upload is refused with a 409 that says so, before the body is read, and stores
 * nothing; another role and the admin are not counted against it. A role lets go of a package
 * with DELETE (refused while its service runs it; another role's hold keeps the file); its place
 * is then free. Before, a role could upload until the disk was full, and nothing let it go.
 */
class PackageQuotaTest {
    private static final long BOUND = 100 * 1024;
    private LiveServer s;
    private String ra;
    private String rb;

    @BeforeEach
    void start() {
        s = new LiveServer(c -> c.withMaxPackageBytesPerRole(BOUND));
        ra = role("ra");
        rb = role("rb");
    }

    @AfterEach
    void stop() {
        s.close();
    }

    private String role(String name) {
        s.put("/v1/roles/" + name, s.admin(), "{\"weight\":1}");
        return s.post("/v1/roles/" + name + "/tokens", s.admin(), "{}").body().path("token").asText();
    }

    /** A package of about 40 KiB that does not compress (seeded: the same seed is the same package); its file. */
    private Path built(int seed) throws Exception {
        Path tree = Files.createDirectories(s.dir.resolve("tree-" + seed));
        byte[] noise = new byte[40 * 1024];
        new Random(seed).nextBytes(noise);
        Files.write(tree.resolve("data.bin"), noise);
        Files.writeString(tree.resolve("run.sh"), "sleep 3600");
        Path out = s.dir.resolve(seed + ".tar.zst");
        BuiltPackage p = PackageBuilder.from(tree).manifest(new PackageManifest(null, "web", "1", "sh run.sh", null, List.of(), null, null, null))
                .writeTo(out);
        digests.put(out, p.digest());
        return out;
    }

    private final java.util.Map<Path, String> digests = new java.util.HashMap<>();

    private String digest(Path file) {
        return digests.get(file);
    }

    /** An upload's answer: its status, its body, and its Connection header. */
    private record Upload(int code, com.fasterxml.jackson.databind.JsonNode body, String connection) {
    }

    private Upload upload(Path file, String token) throws Exception {
        String d = digest(file);
        Request up = new Request.Builder().url(s.server.url() + "/v1/packages/" + d).header("Authorization", "Bearer " + token)
                .put(RequestBody.create(Files.readAllBytes(file), MediaType.get("application/octet-stream"))).build();
        try (Response r = s.http.newCall(up).execute()) {
            String text = r.body().string();
            return new Upload(r.code(), text.isEmpty() ? null : dev.steward.allocator.Json.MAPPER.readTree(text), r.header("Connection"));
        }
    }

    @Test
    void a_role_past_its_bound_is_refused_before_its_bytes_and_lets_go_of_a_package_to_make_room() throws Exception {
        Path one = built(1);
        Path two = built(2);
        Path three = built(3);
        assertThat(upload(one, ra).code()).isEqualTo(201);
        assertThat(upload(two, ra).code()).isEqualTo(201);
        assertThat(upload(two, ra).code()).as("one it holds again adds nothing").isEqualTo(201);

        Upload refused = upload(three, ra);
        assertThat(refused.code()).isEqualTo(409);
        assertThat(refused.body().path("detail").asText()).contains("role 'ra' holds").contains("--max-package-bytes-per-role")
                .contains("DELETE /v1/packages/DIGEST");
        assertThat(refused.connection()).as("refused from its head: the connection is not kept for a body never read").isEqualTo("close");
        assertThat(s.get("/v1/packages/" + digest(three) + "/info", s.admin()).code()).as("nothing was stored").isEqualTo(404);
        assertThat(upload(three, rb).code()).as("another role's bound is its own").isEqualTo(201);
        assertThat(upload(built(4), s.admin()).code()).as("the admin's uploads are not bounded").isEqualTo(201);

        LiveServer.Reply gone = s.call("DELETE", "/v1/packages/" + digest(one), ra, null);
        assertThat(gone.code()).as("%s", gone.body()).isEqualTo(200);
        assertThat(gone.body().path("removed").asBoolean()).as("no other role holds it: its file goes").isTrue();
        assertThat(s.get("/v1/packages/" + digest(one) + "/info", s.admin()).code()).isEqualTo(404);
        assertThat(upload(three, ra).code()).as("the place it gave back").isEqualTo(201);

        // rb holds three too: ra letting go keeps the file for rb, and ra finds it not there
        LiveServer.Reply shared = s.call("DELETE", "/v1/packages/" + digest(three), ra, null);
        assertThat(shared.code()).isEqualTo(200);
        assertThat(shared.body().path("removed").asBoolean()).isFalse();
        assertThat(s.call("HEAD", "/v1/packages/" + digest(three), ra, null).code()).isEqualTo(404);
        assertThat(s.call("HEAD", "/v1/packages/" + digest(three), rb, null).code()).isEqualTo(200);
        assertThat(s.call("DELETE", "/v1/packages/" + digest(two), rb, null).code()).as("a role that does not hold it finds it not there").isEqualTo(404);
    }

    @Test
    void a_package_a_roles_service_runs_is_kept_until_the_service_is_gone() throws Exception {
        Path one = built(1);
        String d = digest(one);
        assertThat(upload(one, ra).code()).isEqualTo(201);
        assertThat(s.put("/v1/services/web/prod", ra, "{\"packageDigest\":\"" + d + "\",\"instances\":1,\"cpus\":\"0.1\",\"memory\":\"16m\"}").code())
                .isEqualTo(201);
        LiveServer.Reply used = s.call("DELETE", "/v1/packages/" + d, ra, null);
        assertThat(used.code()).isEqualTo(409);
        assertThat(used.body().path("detail").asText()).contains("still run by service web/prod (revision 1)");
        assertThat(s.call("HEAD", "/v1/packages/" + d, ra, null).code()).as("nothing changed").isEqualTo(200);
        assertThat(s.call("DELETE", "/v1/packages/" + d, s.admin(), null).code()).as("nor may the admin remove what runs").isEqualTo(409);

        assertThat(s.call("DELETE", "/v1/services/web/prod", ra, null).code()).isEqualTo(200);
        LiveServer.Reply freed = s.call("DELETE", "/v1/packages/" + d, ra, null);
        assertThat(freed.code()).as("%s", freed.body()).isEqualTo(200);
        assertThat(freed.body().path("removed").asBoolean()).isTrue();
    }
}
