package dev.steward.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Disk figures the agent acts on: what a directory holds, counted as {@code du -skx} counts it
 * (allocated blocks, on one file system, symlinks not followed, so a sparse file costs what it
 * really takes), and what is left on the file system of the data directory. Mesos' disk/du
 * isolator measures the same way.
 */
final class DiskUsage {
    private DiskUsage() {
    }

    /** MiB held under {@code dir} (rounded up); 0 if it does not exist; -1 if it cannot be measured. Runs on the agent's disk thread. */
    static long mebibytes(Path dir) {
        if (!Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return 0;
        }
        try {
            Process p = new ProcessBuilder("du", "-skx", "--", dir.toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            byte[] out = p.getInputStream().readAllBytes(); // one line: KIB<TAB>PATH (files vanishing meanwhile only print errors)
            p.waitFor();
            String s = new String(out, java.nio.charset.StandardCharsets.UTF_8).trim();
            int tab = s.lastIndexOf('\n') + 1;
            String[] f = s.substring(tab).split("\\s+");
            return (Long.parseLong(f[0]) + 1023) / 1024;
        } catch (IOException | RuntimeException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /**
     * Files and directories under {@code dirs} together (each an inode, counted as {@code du --inodes -sxl} counts them, the
     * directories themselves included); 0 for a directory that does not exist; -1 if they cannot be counted.
     */
    static long files(List<Path> dirs) {
        List<String> argv = new java.util.ArrayList<>(List.of("du", "--inodes", "-sxl", "--"));
        dirs.stream().filter(d -> Files.isDirectory(d, java.nio.file.LinkOption.NOFOLLOW_LINKS)).forEach(d -> argv.add(d.toString()));
        if (argv.size() == 4) {
            return 0;
        }
        try {
            Process p = new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            byte[] out = p.getInputStream().readAllBytes(); // a line per directory: COUNT<TAB>PATH
            p.waitFor();
            long n = 0;
            for (String line : new String(out, java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) {
                    n += Long.parseLong(line.trim().split("\\s+")[0]);
                }
            }
            return n;
        } catch (IOException | RuntimeException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** MiB free for the agent on the file system that holds {@code dir}, and its size: {free, total}. */
    static long[] freeAndTotalMib(Path dir) throws IOException {
        var store = Files.getFileStore(dir);
        return new long[] {store.getUsableSpace() / (1024 * 1024), store.getTotalSpace() / (1024 * 1024)};
    }

    /**
     * Parses how much free space the agent keeps: {@code N%} of the file system, or a size such as
     * {@code 5g}; returns MiB for a file system of {@code totalMib}.
     */
    static long minFreeMib(String field, String value, long totalMib) {
        String v = value.trim();
        if (v.endsWith("%")) {
            double pct;
            try {
                pct = Double.parseDouble(v.substring(0, v.length() - 1));
            } catch (NumberFormatException e) {
                throw new dev.steward.api.ValidationException(field, "'" + value + "' is not a percentage such as 10% or a size such as 5g");
            }
            if (!(pct >= 0 && pct <= 100)) {
                throw new dev.steward.api.ValidationException(field, "is " + value + "; a percentage must be from 0% to 100%");
            }
            return (long) Math.ceil(totalMib * pct / 100);
        }
        return dev.steward.api.Units.mebibytes(field, v);
    }

    /**
     * Why a task whose sandbox holds {@code mib} is stopped, or null if it may go on: past a
     * {@code limit} (0: none), which its allocation {@code asked} for or the agent gave it.
     */
    static String exceeded(long mib, long limit, boolean asked) {
        if (limit <= 0 || mib <= limit) {
            return null;
        }
        return "disk limit exceeded: its sandbox holds " + dev.steward.api.Units.formatMib(mib) + ", above the " + dev.steward.api.Units.formatMib(limit)
                + (asked ? " of disk its allocation asked for" : " this agent gives a task whose allocation asks for no disk (default-task-disk)");
    }
}
