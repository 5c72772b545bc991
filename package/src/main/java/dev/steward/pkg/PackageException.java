package dev.steward.pkg;

import java.io.IOException;

/**
 * A tree that cannot be packaged or an archive that will not be unpacked, with the entry at
 * fault and a reason a user can act on ("lib/x: a symlink that points outside the package (-> /etc)").
 */
public class PackageException extends IOException {
    private final String entry;
    private final String reason;

    public PackageException(String entry, String reason) {
        super(entry == null ? reason : entry + ": " + reason);
        this.entry = entry;
        this.reason = reason;
    }

    /** The path inside the package or tree, or null when the whole thing is at fault. */
    public String entry() {
        return entry;
    }

    public String reason() {
        return reason;
    }
}
