package dev.steward.api;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * How the allocator proves itself to an agent when it forwards a read (logs): an HMAC-SHA256
 * of the timestamp and the path with its query, keyed by the SHA-256 hash of the agent's token.
 * The allocator stores that hash; the agent computes it from its token; nobody else has it.
 * A signature older than {@link #MAX_AGE_MILLIS} is refused.
 */
public final class AgentSignature {
    public static final String HEADER = "X-Steward-Signature";
    public static final long MAX_AGE_MILLIS = 60_000;

    private AgentSignature() {
    }

    /** The SHA-256 hex of a token: what the allocator stores, and the agent can compute. */
    public static String tokenHash(String token) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code TIMESTAMP:HEX} for {@code pathAndQuery} at {@code millis}. */
    public static String sign(String tokenHash, long millis, String pathAndQuery) {
        return millis + ":" + HexFormat.of().formatHex(mac(tokenHash, millis + "\n" + pathAndQuery));
    }

    /** True if {@code header} signs {@code pathAndQuery} with this key, within the age limit of {@code nowMillis}. */
    public static boolean verify(String tokenHash, String header, String pathAndQuery, long nowMillis) {
        if (header == null) {
            return false;
        }
        int colon = header.indexOf(':');
        if (colon <= 0) {
            return false;
        }
        long ts;
        try {
            ts = Long.parseLong(header.substring(0, colon));
        } catch (NumberFormatException e) {
            return false;
        }
        if (Math.abs(nowMillis - ts) > MAX_AGE_MILLIS) {
            return false;
        }
        byte[] expected = mac(tokenHash, ts + "\n" + pathAndQuery);
        byte[] given;
        try {
            given = HexFormat.of().parseHex(header.substring(colon + 1));
        } catch (IllegalArgumentException e) {
            return false;
        }
        return MessageDigest.isEqual(expected, given);
    }

    private static byte[] mac(String key, String message) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(new SecretKeySpec(key.getBytes(StandardCharsets.US_ASCII), "HmacSHA256"));
            return m.doFinal(message.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
