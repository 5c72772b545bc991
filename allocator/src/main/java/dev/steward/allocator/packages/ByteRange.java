package dev.steward.allocator.packages;

/**
 * One byte range of a {@code Range: bytes=...} header (RFC 9110): {@code a-b}, {@code a-} or the
 * suffix {@code -n}. Several ranges, other units or a malformed header are ignored (the whole
 * body is served, as the RFC allows); a range that starts past the end is unsatisfiable.
 */
public record ByteRange(long start, long end) {

    /** Thrown for a range that no byte satisfies: answered 416 with {@code Content-Range: bytes *}{@code /size}. */
    public static final class Unsatisfiable extends RuntimeException {
        public Unsatisfiable(String message) {
            super(message);
        }
    }

    public long length() {
        return end - start + 1;
    }

    public String contentRange(long size) {
        return "bytes " + start + "-" + end + "/" + size;
    }

    /** The range asked for, clipped to {@code size}; null for the whole body. */
    public static ByteRange parse(String header, long size) {
        if (header == null) {
            return null;
        }
        String h = header.trim();
        if (!h.regionMatches(true, 0, "bytes=", 0, 6) || h.indexOf(',') >= 0) {
            return null;
        }
        String spec = h.substring(6).trim();
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return null;
        }
        try {
            String a = spec.substring(0, dash).trim();
            String b = spec.substring(dash + 1).trim();
            if (a.isEmpty()) {
                if (b.isEmpty()) {
                    return null;
                }
                long n = Long.parseLong(b);
                if (n <= 0 || size == 0) {
                    throw new Unsatisfiable("the suffix range " + header + " selects no byte of " + size);
                }
                return new ByteRange(Math.max(0, size - n), size - 1);
            }
            long start = Long.parseLong(a);
            if (start >= size) {
                throw new Unsatisfiable("the range " + header + " starts at or past the end (" + size + " bytes)");
            }
            long end = b.isEmpty() ? size - 1 : Long.parseLong(b);
            if (start < 0 || end < start) {
                return null;
            }
            return new ByteRange(start, Math.min(end, size - 1));
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
