package dev.steward.datadir;

import java.nio.file.Path;

/** A process of its own that holds a data directory until its standard input closes (or it is killed). */
public final class LockHolder {
    private LockHolder() {
    }

    public static void main(String[] args) throws Exception {
        try (DataDirLock lock = DataDirLock.acquire(Path.of(args[0]), "test holder")) {
            System.out.println("held " + lock.dir());
            System.out.flush();
            while (System.in.read() >= 0) {
                // until the test closes our input
            }
        }
    }
}
