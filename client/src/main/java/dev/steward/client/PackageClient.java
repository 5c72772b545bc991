package dev.steward.client;

import com.fasterxml.jackson.core.type.TypeReference;
import dev.steward.api.Digests;
import dev.steward.api.PackageInfo;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;

/**
 * The allocator's artifact store, from a client: {@link #push} uploads a package file unless the
 * allocator already has its digest; {@link #download} fetches one into a file, resuming a partial
 * download with a byte range and verifying the digest before the file takes its name.
 */
public final class PackageClient {
    private static final MediaType PACKAGE = MediaType.get("application/vnd.steward.package.v1+tar+zstd");
    private final StewardClient c;

    PackageClient(StewardClient c) {
        this.c = c;
    }

    /** What {@link #push} did: the stored package, and whether its bytes were sent (false: already stored). */
    public record Pushed(PackageInfo info, boolean uploaded) {
    }

    /** Whether the allocator stores {@code digest} ({@code HEAD}). */
    public boolean exists(String digest) throws IOException {
        Digests.check("digest", digest);
        try (Response r = c.http().newCall(new Request.Builder().url(c.url(Paths.v1("packages", digest))).head().build()).execute()) {
            if (r.code() == 404) {
                return false;
            }
            StewardClient.check(r, "");
            return true;
        }
    }

    public PackageInfo info(String digest) throws IOException {
        Digests.check("digest", digest);
        return c.get(Paths.v1("packages", digest, "info"), new TypeReference<>() { });
    }

    /**
     * Lets go of a package: a role's token drops its hold (the package's file goes once no role
     * holds it and nothing runs it), the admin's removes it. Refused (409) while the caller's
     * services or tasks run it. Returns true when the file was removed.
     */
    public boolean delete(String digest) throws IOException {
        return c.call("DELETE", Paths.v1("packages", digest), null, com.fasterxml.jackson.databind.JsonNode.class, true).path("removed").asBoolean();
    }

    public List<PackageInfo> list() throws IOException {
        return c.get("/v1/packages", new TypeReference<>() { });
    }

    /** Uploads {@code file} as {@code digest}; the allocator checks the bytes against the digest. */
    public PackageInfo upload(Path file, String digest) throws IOException {
        Digests.check("digest", digest);
        Request req = new Request.Builder().url(c.url(Paths.v1("packages", digest))).put(RequestBody.create(file.toFile(), PACKAGE)).build();
        try (Response r = c.http().newCall(req).execute()) {
            String text = r.body() == null ? "" : r.body().string();
            StewardClient.check(r, text);
            return StewardClient.JSON.readValue(text, PackageInfo.class);
        }
    }

    /** Uploads unless already stored. */
    public Pushed push(Path file, String digest) throws IOException {
        if (exists(digest)) {
            return new Pushed(info(digest), false);
        }
        return new Pushed(upload(file, digest), true);
    }

    /**
     * Downloads {@code digest} to {@code target}: bytes go to {@code target.part}, a partial file
     * left by an earlier try is resumed with a range, and the whole is verified against the digest
     * before it is renamed to {@code target}. A mismatch deletes the partial file.
     */
    public long download(String digest, Path target) throws IOException {
        Digests.check("digest", digest);
        String range = PartialDownload.range(target);
        Request.Builder b = new Request.Builder().url(c.url(Paths.v1("packages", digest))).get();
        if (range != null) {
            b.header("Range", range).header("If-Range", "\"" + digest + "\"");
        }
        try (Response r = c.http().newCall(b.build()).execute()) {
            if (r.code() == 416) {
                Files.deleteIfExists(PartialDownload.partOf(target)); // the partial file is longer than the package: start again
                return download(digest, target);
            }
            if (!r.isSuccessful()) {
                StewardClient.check(r, r.body() == null ? "" : r.body().string());
            }
            ResponseBody body = r.body();
            return PartialDownload.complete(target, digest, body.byteStream(), r.code() == 206);
        }
    }

    /** The SHA-256 digest of a file. */
    public static String digestOf(Path file) throws IOException {
        MessageDigest sha = sha256();
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), sha)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return Digests.of(sha.digest());
    }

    private static MessageDigest sha256() {
        return PartialDownload.sha256();
    }
}
