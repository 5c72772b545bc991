package dev.steward.allocator.packages;

import java.util.function.LongSupplier;

/**
 * Disk promised to uploads under way, so that together they never take the disk the allocator's
 * own state needs ({@link #FLOOR}). Each upload promises its declared length before its first
 * byte (or, sent without one, {@link #STEP} at a time as its bytes come) and settles each part
 * as it is written, when the disk's own free figure starts counting it. So two uploads that each
 * fit alone are not both let in when together they would fill the disk.
 */
final class DiskReserve {
    /** What uploads never take: the allocator's database and logs need it. */
    static final long FLOOR = 64L << 20;
    /** How much an upload of unknown length promises at a time. */
    static final long STEP = 8L << 20;
    private final LongSupplier usable;
    private long promised;

    DiskReserve(LongSupplier usable) {
        this.usable = usable;
    }

    /** Promises {@code n} more bytes, or refuses (507) when the free disk less what is promised would fall below {@link #FLOOR}. */
    synchronized void promise(long n) throws PackageStore.Refused {
        long free = usable.getAsLong();
        if (free - promised - n < FLOOR) {
            throw new PackageStore.Refused(507, "the allocator has " + size(free) + " of disk free, " + size(promised) + " of it promised to "
                    + "uploads under way, and keeps " + size(FLOOR) + " for its own state: too little for " + size(n) + " more of this "
                    + "package; try again once other uploads are done or unused packages are swept");
        }
        promised += n;
    }

    /** {@code n} promised bytes written (the disk's free figure counts them now) or given back. */
    synchronized void settle(long n) {
        promised -= n;
    }

    synchronized long promised() {
        return promised;
    }

    private static String size(long bytes) {
        return dev.steward.api.Units.formatBytes(Math.max(0, bytes));
    }
}
