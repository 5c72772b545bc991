package dev.steward.api;

import java.util.HexFormat;
import java.util.regex.Pattern;

/** Package digests: {@code sha256:} followed by 64 lower-case hex digits, the SHA-256 of the package's bytes. */
public final class Digests {
    private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");

    private Digests() {
    }

    public static boolean valid(String digest) {
        return digest != null && DIGEST.matcher(digest).matches();
    }

    /** Returns the digest if valid, else throws naming the field. */
    public static String check(String field, String digest) {
        if (digest == null || digest.isEmpty()) {
            throw new ValidationException(field, "is required");
        }
        if (!valid(digest)) {
            throw new ValidationException(field, "'" + shorten(digest) + "' is not a package digest; it must be sha256: followed by 64 lower-case hex digits");
        }
        return digest;
    }

    public static String of(byte[] sha256) {
        return "sha256:" + HexFormat.of().formatHex(sha256);
    }

    /** The 64 hex digits of a valid digest. */
    public static String hex(String digest) {
        return check("digest", digest).substring(7);
    }

    /** A digest as people read it: {@code sha256:0123456789ab}. */
    public static String shortForm(String digest) {
        return digest.length() > 19 ? digest.substring(0, 19) : digest;
    }

    private static String shorten(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }
}
