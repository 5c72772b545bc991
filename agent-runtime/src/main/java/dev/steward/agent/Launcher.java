package dev.steward.agent;

import dev.steward.api.TaskInfo;
import dev.steward.api.TaskSpec;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Starts a task: its sandbox directory, its environment (the spec's, plus {@code PORT_<NAME>}
 * for each of the allocation's ports and {@code STEWARD_*}), its cgroups, and the wrapper in a
 * session of its own, running the command as the configured user. Output goes to
 * {@code stdout.log} and {@code stderr.log}, opened for appending so rotation can truncate them.
 * The spec's secrets become files of the task's user (0600) in {@code secrets/} beside the sandbox,
 * named by {@code STEWARD_SECRETS}; they are never put in the environment, and they are removed
 * when the task ends ({@link #removeSecrets}).
 */
public final class Launcher {
    static final String TASK_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    private final Path wrapper;
    private final Cgroups cgroups;
    private final String user;
    private final java.util.Map<String, String> groups = new java.util.concurrent.ConcurrentHashMap<>();

    private final boolean cpuQuota;

    Launcher(Path dataDir, Cgroups cgroups, String user, boolean cpuQuota) throws IOException {
        this.cpuQuota = cpuQuota;
        this.cgroups = cgroups;
        this.user = user == null || user.isBlank() ? null : user;
        this.wrapper = dataDir.resolve("wrapper.sh");
        try (InputStream in = Launcher.class.getResourceAsStream("wrapper.sh")) {
            Path tmp = dataDir.resolve("wrapper.sh.tmp");
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
            Files.move(tmp, wrapper, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    TaskProcess launch(TaskInfo t, Path taskDir) throws LaunchFailure, IOException {
        TaskSpec spec = t.spec();
        Path sandbox = taskDir.resolve("sandbox");
        Files.createDirectories(sandbox);
        Path workdir = sandbox.resolve(spec.workdir() == null ? "." : spec.workdir()).normalize();
        if (!workdir.startsWith(sandbox)) {
            throw new LaunchFailure("workdir '" + spec.workdir() + "' is outside the task's sandbox");
        }
        Files.createDirectories(workdir);
        Map<String, String> env = environment(t, sandbox);
        env.put("STEWARD_SECRETS", writeSecrets(taskDir, spec.secrets()).toString());
        String command = resolve(spec.command(), workdir, env.get("PATH"));
        Files.deleteIfExists(taskDir.resolve("exit"));
        List<String> argv = new ArrayList<>(List.of("setsid", "/bin/sh", wrapper.toString(), taskDir.toString()));
        long memory = t.resources() == null ? 0 : t.resources().memoryMib();
        long cpu = t.resources() == null || !cpuQuota ? 0 : t.resources().cpuMillis();
        List<Path> procs = cgroups.create(t.id(), memory, cpu);
        procs.forEach(p -> argv.add(p.toString()));
        if (procs.isEmpty() && memory > 0) {
            env.put("STEWARD_RLIMIT_AS_KB", Long.toString(memory * 1024 * 4)); // no cgroups: a generous address-space cap
        }
        argv.add("--");
        if (user != null) {
            chown(sandbox, user);
            chown(taskDir.resolve(SECRETS), user);
            argv.addAll(List.of("setpriv", "--reuid=" + user, "--regid=" + groupOf(user), "--init-groups", "--"));
        }
        argv.add(command);
        if (spec.args() != null) {
            argv.addAll(spec.args());
        }
        ProcessBuilder pb = new ProcessBuilder(argv).directory(workdir.toFile())
                .redirectOutput(ProcessBuilder.Redirect.appendTo(taskDir.resolve("stdout.log").toFile()))
                .redirectError(ProcessBuilder.Redirect.appendTo(taskDir.resolve("stderr.log").toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().clear();
        pb.environment().putAll(env);
        Process p = pb.start();
        long start = -1;
        for (int i = 0; i < 200 && start < 0 && p.isAlive(); i++) {
            start = TaskProcess.startTimeOf(p.pid());
        }
        TaskProcess tp = new TaskProcess(taskDir, p.pid(), start);
        tp.save();
        return tp;
    }

    static final String SECRETS = "secrets";

    /**
     * Writes each secret to {@code taskDir/secrets/NAME}, mode 0600 in a 0700 directory, afresh on
     * every start (a restart gets the spec's values, nothing left over). Returns the directory.
     */
    static Path writeSecrets(Path taskDir, Map<String, String> secrets) throws IOException {
        removeSecrets(taskDir);
        Path dir = Files.createDirectory(taskDir.resolve(SECRETS), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        if (secrets != null) {
            for (Map.Entry<String, String> e : secrets.entrySet()) {
                Path f = dir.resolve(e.getKey()).normalize();
                if (!dir.equals(f.getParent())) { // the allocator checks names; this keeps a bad one from writing elsewhere all the same
                    throw new IOException("secret name '" + e.getKey() + "' is not a plain file name");
                }
                Files.createFile(f, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(f, e.getValue());
            }
        }
        return dir;
    }

    /** Removes the task's secret files, if any: when it ends, and before every start. */
    static void removeSecrets(Path taskDir) throws IOException {
        Path dir = taskDir.resolve(SECRETS);
        if (Files.isDirectory(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            try (var files = Files.list(dir)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    Files.delete(f);
                }
            }
        }
        Files.deleteIfExists(dir);
    }

    private static Map<String, String> environment(TaskInfo t, Path sandbox) {
        Map<String, String> env = new java.util.LinkedHashMap<>();
        env.put("PATH", TASK_PATH); // not the agent's own: a task (often another user) gets the system's, unless its spec sets PATH
        env.put("HOME", sandbox.toString());
        env.put("LANG", "C.UTF-8");
        env.put("STEWARD_TASK_ID", t.id());
        env.put("STEWARD_ALLOC_ID", t.allocationId());
        env.put("STEWARD_SANDBOX", sandbox.toString());
        if (t.ports() != null) {
            t.ports().forEach((name, port) -> env.put("PORT_" + name.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_"), port.toString()));
        }
        if (t.spec().env() != null) {
            env.putAll(t.spec().env());
        }
        return env;
    }

    /** The command's path: as given if it has a '/', else found on PATH; a missing or non-executable one fails the task. */
    static String resolve(String command, Path workdir, String path) throws LaunchFailure {
        if (command.contains("/")) {
            Path c = workdir.resolve(command).normalize();
            if (!Files.isRegularFile(c)) {
                throw new LaunchFailure("command '" + command + "' does not exist");
            }
            if (!Files.isExecutable(c)) {
                throw new LaunchFailure("command '" + command + "' is not executable");
            }
            return c.toString();
        }
        for (String dir : (path == null ? "" : path).split(":")) {
            if (!dir.isEmpty()) {
                Path c = Path.of(dir, command);
                if (Files.isRegularFile(c) && Files.isExecutable(c)) {
                    return c.toString();
                }
            }
        }
        throw new LaunchFailure("command '" + command + "' not found on PATH (" + path + ")");
    }

    /** Gives the sandbox, and the package tree unpacked in it, to the task's user; symlinks are not followed. */
    private static void chown(Path dir, String user) throws IOException {
        try {
            var lookup = dir.getFileSystem().getUserPrincipalLookupService();
            var owner = lookup.lookupPrincipalByName(user);
            if (Files.getOwner(dir).equals(owner) && !Files.exists(dir.resolve(dev.steward.api.PackageManifest.FILE_NAME))) {
                return;
            }
            try (var all = Files.walk(dir)) {
                for (Path p : (Iterable<Path>) all::iterator) {
                    Files.getFileAttributeView(p, java.nio.file.attribute.PosixFileAttributeView.class, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                            .setOwner(owner);
                }
            }
        } catch (java.nio.file.attribute.UserPrincipalNotFoundException e) {
            throw new IOException("the configured task user '" + user + "' does not exist on this machine", e);
        }
    }

    private String groupOf(String u) throws IOException {
        String g = groups.get(u);
        if (g == null) {
            g = group(u);
            groups.put(u, g);
        }
        return g;
    }

    /** The user's primary group id, from {@code id -g}. */
    private static String group(String user) throws IOException {
        Process p = new ProcessBuilder("id", "-g", user).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        try {
            if (p.waitFor() != 0) {
                throw new IOException("the configured task user '" + user + "' does not exist on this machine: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        return out;
    }
}
