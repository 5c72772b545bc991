package dev.steward.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PEM files, read and written with the JDK alone: certificates ({@code CERTIFICATE} blocks, a
 * chain in order), and private keys in PKCS#8 ({@code PRIVATE KEY}, EC or RSA), which is what
 * {@code steward tls} writes and what {@code openssl pkcs8 -topk8 -nocrypt} makes of any other,
 * and certificate revocation lists ({@code X509 CRL}), which a CA file may hold beside its CAs.
 * Every error names the file and says what was expected.
 */
public final class Pem {
    private static final Pattern BLOCK = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([^-]*)-----END \\1-----");

    private Pem() {
    }

    /** The certificates in {@code file}, in order; at least one. */
    public static List<X509Certificate> certificates(Path file) throws IOException {
        return certificates(read(file), file.toString());
    }

    /** The certificates in PEM {@code text} (e.g. pasted into a form), in order; at least one; errors name {@code source}. */
    public static List<X509Certificate> certificates(String text, String source) throws IOException {
        List<X509Certificate> out = new ArrayList<>();
        String file = source;
        try {
            CertificateFactory f = CertificateFactory.getInstance("X.509");
            for (byte[] der : blocks(text, source, "CERTIFICATE")) {
                out.add((X509Certificate) f.generateCertificate(new ByteArrayInputStream(der)));
            }
        } catch (GeneralSecurityException e) {
            throw new IOException(file + ": not a valid X.509 certificate: " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new IOException(file + ": no certificate in it (a PEM file with -----BEGIN CERTIFICATE----- was expected)");
        }
        return out;
    }

    /**
     * The certificate revocation lists in {@code text} ({@code X509 CRL} blocks), in order; none is
     * no error. A CA file may hold them beside its CAs, as OpenSSL's {@code -CAfile} may: each
     * party then refuses the certificates they list ({@link Revocations}).
     */
    public static List<X509CRL> crls(String text, String source) throws IOException {
        List<X509CRL> out = new ArrayList<>();
        try {
            CertificateFactory f = CertificateFactory.getInstance("X.509");
            for (byte[] der : blocks(text, source, "X509 CRL")) {
                out.add((X509CRL) f.generateCRL(new ByteArrayInputStream(der)));
            }
        } catch (GeneralSecurityException e) {
            throw new IOException(source + ": not a valid X.509 CRL: " + e.getMessage(), e);
        }
        return out;
    }

    /** The text of {@code file}, which must be PEM (ASCII); errors name it. */
    public static String text(Path file) throws IOException {
        return read(file);
    }

    /** The private key in {@code file}: PKCS#8, EC or RSA. */
    public static PrivateKey privateKey(Path file) throws IOException {
        List<byte[]> keys = blocks(read(file), file.toString(), "PRIVATE KEY");
        if (keys.size() != 1) {
            String hint = Files.readString(file).contains("-----BEGIN EC PRIVATE KEY-----") || Files.readString(file).contains("-----BEGIN RSA PRIVATE KEY-----")
                    ? " (this one is in the old OpenSSL format: convert it with openssl pkcs8 -topk8 -nocrypt)" : "";
            throw new IOException(file + ": expected one PKCS#8 key (-----BEGIN PRIVATE KEY-----), found " + keys.size() + hint);
        }
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(keys.get(0));
        for (String alg : List.of("EC", "RSA", "Ed25519")) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(spec);
            } catch (GeneralSecurityException e) {
                // try the next algorithm
            }
        }
        throw new IOException(file + ": the key is not an EC, RSA or Ed25519 key");
    }

    private static String read(Path file) throws IOException {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IOException(file + ": no such file", e);
        } catch (java.nio.charset.MalformedInputException e) {
            throw new IOException(file + ": not a PEM file (it is not text)", e);
        }
    }

    private static List<byte[]> blocks(String text, Object file, String type) throws IOException {
        List<byte[]> out = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            if (m.group(1).equals(type)) {
                try {
                    out.add(Base64.getMimeDecoder().decode(m.group(2)));
                } catch (IllegalArgumentException e) {
                    throw new IOException(file + ": a " + type + " block is not valid base64", e);
                }
            }
        }
        return out;
    }

    /** The PEM text of one block. */
    public static String encode(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    /**
     * Writes {@code text} to {@code file} through a temporary file and a rename; a private file
     * (a key) is 0600 from its first byte, a public one 0644. Refuses to replace an existing file
     * unless {@code replace}.
     */
    public static void write(Path file, String text, boolean secret, boolean replace) throws IOException {
        if (!replace && Files.exists(file)) {
            throw new IOException(file + " exists already; remove it first, or choose another directory");
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(secret ? "rw-------" : "rw-r--r--")));
        Files.writeString(tmp, text, StandardCharsets.US_ASCII);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
