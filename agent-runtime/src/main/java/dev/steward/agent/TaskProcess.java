package dev.steward.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A running task's wrapper process, known by its pid and the start time the kernel gives it
 * (so a reused pid is never mistaken for it), and its task directory, where the wrapper writes
 * the exit status. Works the same for a process this agent started and one it re-attached to.
 */
public final class TaskProcess {
    private final Path dir;
    private final long pid;
    private final long startTime;

    TaskProcess(Path dir, long pid, long startTime) {
        this.dir = dir;
        this.pid = pid;
        this.startTime = startTime;
    }

    public long pid() {
        return pid;
    }

    /** The kernel's start time of {@code pid} (clock ticks after boot), or -1 if there is no such process or it is a zombie. */
    static long startTimeOf(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String afterName = stat.substring(stat.lastIndexOf(')') + 2);
            String[] f = afterName.split(" ");
            if (f[0].equals("Z") || f[0].equals("X")) {
                return -1;
            }
            return Long.parseLong(f[19]); // field 22 of stat; field 3 (state) is f[0]
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** True while the wrapper runs. */
    public boolean alive() {
        return startTimeOf(pid) == startTime;
    }

    /** The exit status the wrapper recorded, or null if it has not (still running, or killed itself). */
    public Integer exitCode() {
        try {
            return Integer.parseInt(Files.readString(dir.resolve("exit")).trim());
        } catch (IOException | NumberFormatException e) {
            return null;
        }
    }

    /** Sends a signal (TERM, KILL) to the task's whole process group. */
    public void signal(String sig) {
        try {
            Process p = new ProcessBuilder("kill", "-s", sig, "--", "-" + pid).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            p.waitFor();
        } catch (IOException e) {
            throw new IllegalStateException("cannot signal task process group " + pid, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    void save() throws IOException {
        Path tmp = dir.resolve("pid.tmp");
        Files.writeString(tmp, pid + " " + startTime + "\n");
        Files.move(tmp, dir.resolve("pid"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** The process recorded in {@code dir}, or null if none was started there. */
    static TaskProcess load(Path dir) {
        try {
            String[] f = Files.readString(dir.resolve("pid")).trim().split(" ");
            return new TaskProcess(dir, Long.parseLong(f[0]), Long.parseLong(f[1]));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
