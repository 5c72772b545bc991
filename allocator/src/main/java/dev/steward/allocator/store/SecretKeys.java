package dev.steward.allocator.store;

import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The keys that seal task secrets at rest: AES-256-GCM from the JDK, each value sealed with a
 * fresh 96-bit nonce and bound to where it belongs (the task id and the secret's name are the
 * associated data, so a sealed value copied into another task or under another name does not
 * open). A sealed value reads {@code sealed:v1:KEYID:BASE64(nonce || ciphertext || tag)}.
 *
 * <p>The keys live in a keyring file of mode 0600 ({@code secrets.key} in the data directory, or
 * a path given): one {@code KEYID BASE64KEY} line per key, the last one active. The file is
 * created on first start, and refused when group or others may read it, as ssh refuses a
 * private key. {@link #rotate} appends a new active key; {@link #retire} drops the others once
 * every record has been sealed again.
 */
public final class SecretKeys {
    /** The prefix of a sealed value. */
    public static final String PREFIX = "sealed:v1:";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int NONCE = 12;
    private static final int TAG_BITS = 128;

    private final Path file;
    private final LinkedHashMap<String, byte[]> keys = new LinkedHashMap<>();
    private String active;

    private SecretKeys(Path file) {
        this.file = file;
    }

    /** The keyring in {@code file}, made with one new key if there is none. */
    public static SecretKeys open(Path file) throws IOException {
        SecretKeys k = new SecretKeys(file);
        if (!Files.exists(file)) {
            byte[] key = newKey();
            k.keys.put(id(key), key);
            k.active = id(key);
            k.save();
            return k;
        }
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
        if (!java.util.Collections.disjoint(perms, EnumSet.of(PosixFilePermission.GROUP_READ, PosixFilePermission.OTHERS_READ,
                PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_WRITE))) {
            throw new IOException("the secrets key file " + file + " is readable or writable by others (" + PosixFilePermissions.toString(perms)
                    + "); it must be mode 0600 (chmod 600 " + file + ")");
        }
        for (String line : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
            String l = line.trim();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            String[] parts = l.split(" ");
            byte[] key;
            try {
                key = parts.length == 2 ? Base64.getDecoder().decode(parts[1]) : null;
            } catch (IllegalArgumentException e) {
                key = null;
            }
            if (key == null || key.length != 32 || !id(key).equals(parts[0])) {
                throw new IOException("the secrets key file " + file + " has a malformed line (want 'KEYID BASE64KEY', a 256-bit key whose id matches)");
            }
            k.keys.put(parts[0], key);
            k.active = parts[0];
        }
        if (k.active == null) {
            throw new IOException("the secrets key file " + file + " holds no key");
        }
        return k;
    }

    /** A key's id: the first 8 bytes of its SHA-256, in hex (names the key, reveals nothing of it). */
    static String id(byte[] key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key), 0, 8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final java.util.regex.Pattern SEALED_WITH = java.util.regex.Pattern.compile(java.util.regex.Pattern.quote(PREFIX) + "([0-9a-f]{16}):");

    /** The ids of the keys that values sealed in {@code texts} (stored rows, as JSON) need. */
    public static Set<String> keysSealedIn(java.util.Collection<String> texts) {
        Set<String> ids = new java.util.TreeSet<>();
        for (String t : texts) {
            java.util.regex.Matcher m = SEALED_WITH.matcher(t);
            while (m.find()) {
                ids.add(m.group(1));
            }
        }
        return ids;
    }

    /** The ids of every key held, the active one last. */
    public synchronized List<String> ids() {
        return new ArrayList<>(keys.keySet());
    }

    /** Seals {@code value} for secret {@code name} of {@code owner} (a task id) with the active key. */
    public synchronized String seal(String owner, String name, String value) {
        byte[] nonce = new byte[NONCE];
        RANDOM.nextBytes(nonce);
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(keys.get(active), "AES"), new GCMParameterSpec(TAG_BITS, nonce));
            c.updateAAD(aad(owner, name));
            byte[] ct = c.doFinal(value.getBytes(StandardCharsets.UTF_8));
            byte[] out = new byte[NONCE + ct.length];
            System.arraycopy(nonce, 0, out, 0, NONCE);
            System.arraycopy(ct, 0, out, NONCE, ct.length);
            return PREFIX + active + ":" + Base64.getEncoder().encodeToString(out);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot seal a secret: " + e.getMessage(), e);
        }
    }

    /** Opens a sealed value (a value not sealed is returned as it is: records from before sealing). */
    public synchronized String open(String owner, String name, String sealed) {
        if (sealed == null || !sealed.startsWith(PREFIX)) {
            return sealed;
        }
        String rest = sealed.substring(PREFIX.length());
        int colon = rest.indexOf(':');
        String keyId = colon < 0 ? "" : rest.substring(0, colon);
        byte[] key = keys.get(keyId);
        if (key == null) {
            throw new IllegalStateException("secret '" + name + "' of " + owner + " is sealed with key " + keyId + ", which is not in " + file
                    + " (keys held: " + keys.keySet() + ")");
        }
        try {
            byte[] in = Base64.getDecoder().decode(rest.substring(colon + 1));
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(TAG_BITS, in, 0, NONCE));
            c.updateAAD(aad(owner, name));
            return new String(c.doFinal(in, NONCE, in.length - NONCE), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalStateException("secret '" + name + "' of " + owner + " does not open with key " + keyId + ": it was altered or moved", e);
        }
    }

    /** Seals every value of {@code secrets} (null stays null). */
    public Map<String, String> sealAll(String owner, Map<String, String> secrets) {
        return each(secrets, (k, v) -> seal(owner, k, v));
    }

    /** Opens every value of {@code secrets} (null stays null). */
    public Map<String, String> openAll(String owner, Map<String, String> secrets) {
        return each(secrets, (k, v) -> open(owner, k, v));
    }

    private static Map<String, String> each(Map<String, String> secrets, java.util.function.BinaryOperator<String> f) {
        if (secrets == null) {
            return null;
        }
        Map<String, String> out = new java.util.TreeMap<>();
        secrets.forEach((k, v) -> out.put(k, f.apply(k, v)));
        return out;
    }

    /** The id of the key that seals now. */
    public synchronized String active() {
        return active;
    }

    /** Whether the keyring holds key {@code id}. */
    public synchronized boolean has(String id) {
        return keys.containsKey(id);
    }

    /**
     * Reads the file again: another holder of it (a second instance in this process, or another
     * server sharing the file) may have changed it.
     */
    public synchronized void reload() throws IOException {
        SecretKeys now = open(file);
        keys.clear();
        keys.putAll(now.keys);
        active = now.active;
    }

    /** A new key, held but not active (another server, or a later {@link #activate}, makes it so); returns its id. */
    public synchronized String prepare() throws IOException {
        byte[] key = newKey();
        add(key);
        return id(key);
    }

    /** Holds {@code key} (BASE64 of 256 bits) too, not active; nothing changes if it is held already. */
    public synchronized void add(String base64) throws IOException {
        byte[] key;
        try {
            key = Base64.getDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new IOException("not a key: " + e.getMessage());
        }
        if (key.length != 32) {
            throw new IOException("not a 256-bit key: " + key.length + " bytes");
        }
        add(key);
    }

    private void add(byte[] key) throws IOException {
        if (keys.containsKey(id(key))) {
            return;
        }
        LinkedHashMap<String, byte[]> next = new LinkedHashMap<>();
        keys.forEach((id, k) -> {
            if (!id.equals(active)) {
                next.put(id, k);
            }
        });
        next.put(id(key), key);
        next.put(active, keys.get(active)); // the active one stays last
        keys.clear();
        keys.putAll(next);
        save();
    }

    /** Key {@code id}, held, becomes the active one; nothing changes if it is already. */
    public synchronized void activate(String id) throws IOException {
        byte[] key = keys.get(id);
        if (key == null) {
            throw new IOException("key " + id + " is not in " + file + " (keys held: " + keys.keySet() + ")");
        }
        if (id.equals(active)) {
            return;
        }
        keys.remove(id);
        keys.put(id, key);
        active = id;
        save();
    }

    /** Key {@code id} as BASE64, to hand it to the other servers of a cluster sealed with a key they hold. */
    public synchronized String export(String id) {
        byte[] key = keys.get(id);
        if (key == null) {
            throw new IllegalArgumentException("key " + id + " is not held");
        }
        return Base64.getEncoder().encodeToString(key);
    }

    /** A new key becomes the active one; the others stay, to open what they sealed, until {@link #retire}. */
    public synchronized String rotate() throws IOException {
        byte[] key = newKey();
        keys.put(id(key), key);
        active = id(key);
        save();
        return active;
    }

    /** Drops every key but the active one: call once every record is sealed with it. */
    public synchronized void retire() throws IOException {
        if (keys.size() > 1) {
            keys.keySet().removeIf(k -> !k.equals(active));
            save();
        }
    }

    private static byte[] newKey() {
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        return key;
    }

    private static byte[] aad(String owner, String name) {
        return (owner + "\n" + name).getBytes(StandardCharsets.UTF_8);
    }

    /** Writes the keyring: a new file of mode 0600, synced, then moved over the old one. */
    private void save() throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        StringBuilder text = new StringBuilder("# Steward's keys for task secrets at rest; the last is active. Keep this file secret.\n");
        keys.forEach((id, key) -> text.append(id).append(' ').append(Base64.getEncoder().encodeToString(key)).append('\n'));
        try (var ch = java.nio.channels.FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.US_ASCII)));
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
