package dev.steward.bench;

import dev.steward.allocator.Server;
import dev.steward.allocator.ServerConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What one short {@code steward} command costs, from the shipped jar (cli/target/steward.jar), as
 * a process: its wall time and the CPU it takes (user and system, its own and its JVM's threads:
 * compilers, GC), with the whole JIT and with C1 alone (the flags {@code ./steward} gives a short
 * command), against a JVM that starts and exits ({@code java -version}) with each. The commands:
 * {@code --version} (no request), {@code deploy --help} (picocli's model and help), and {@code
 * status} and {@code agents} against an allocator in this process (several requests; one agent
 * joined). Each command and flag set is run in turn, round after round, so a busy moment of the
 * machine falls on all alike; medians. CPU is read from this process's reaped children's times
 * ({@code /proc/self/stat}), at the kernel's clock tick (10 ms here). A third way is what {@code
 * ./steward} runs a short command with: C1 alone and the class archive it makes from its training
 * run (the bench runs {@code ./steward --version} first, which makes it where it is missing or
 * made for another jar). {@code --against JAR} adds another build of the jar, run with C1 alone,
 * as a last column (a change's before).
 * Usage: {@code bench/run CliStartBench [ROUNDS] [--against JAR]} (15 rounds).
 */
public final class CliStartBench {
    private static final Path JAR = Path.of("cli", "target", "steward.jar").toAbsolutePath();
    /** A way to run a command: which jar, with which flags. */
    private record Config(String label, Path jar, List<String> flags) {
    }

    private CliStartBench() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 && !args[0].startsWith("--") ? Integer.parseInt(args[0]) : 15;
        if (!Files.exists(JAR)) {
            throw new IllegalStateException(JAR + " is missing: bench/run builds it");
        }
        Path archive = classArchive();
        List<Config> configs = new ArrayList<>(List.of(new Config("whole JIT", JAR, List.of()),
                new Config("C1 only", JAR, List.of("-XX:TieredStopAtLevel=1")),
                new Config("C1 + class archive (./steward)", JAR, List.of("-XX:TieredStopAtLevel=1", "-XX:SharedArchiveFile=" + archive,
                        "-Xlog:cds=off,cds+dynamic=off"))));
        int against = List.of(args).indexOf("--against");
        if (against >= 0) {
            Path other = Path.of(args[against + 1]).toAbsolutePath();
            configs.add(new Config("C1 only, " + other.getFileName(), other, List.of("-XX:TieredStopAtLevel=1")));
        }
        Path root = Files.createTempDirectory("steward-cli-start-bench");
        try (Server server = Server.start(ServerConfig.of(root.resolve("server")).withHeartbeatGrace(java.time.Duration.ofHours(1)))) {
            dev.steward.client.StewardClient.builder(server.url()).token(server.joinToken()).build()
                    .register(new dev.steward.api.AgentRegistration("m1", "4", "8g", null, null, null, null, "21000-21100", Map.of()));
            Map<String, List<String>> commands = new LinkedHashMap<>();
            commands.put("java -version (the JVM alone)", null);
            commands.put("steward --version", List.of("--version"));
            commands.put("steward deploy --help", List.of("deploy", "--help"));
            commands.put("steward status", List.of("status", "--addr", server.url(), "--token", server.adminToken()));
            commands.put("steward agents", List.of("agents", "--addr", server.url(), "--token", server.adminToken()));
            Map<String, List<long[]>> runs = new LinkedHashMap<>();
            for (int i = 0; i < 2; i++) { // the page cache and the allocator's own JIT warmed, not counted
                for (List<String> c : commands.values()) {
                    for (Config f : configs) {
                        run(f, c);
                    }
                }
            }
            for (int r = 0; r < rounds; r++) {
                for (Map.Entry<String, List<String>> c : commands.entrySet()) {
                    for (Config f : configs) {
                        runs.computeIfAbsent(c.getKey() + "|" + f.label(), k -> new ArrayList<>()).add(run(f, c.getValue()));
                    }
                }
            }
            System.out.printf("a short command as a process, %d rounds, medians (wall ms / CPU ms, user and system)%n", rounds);
            StringBuilder head = new StringBuilder(String.format("  %-32s", "command"));
            configs.forEach(f -> head.append(String.format(" %-28s", f.label())));
            System.out.println(head + " C1 / whole; archive / C1" + (configs.size() > 3 ? "; ./steward / the other build's C1" : "")
                    + " (wall, CPU)");
            for (String c : commands.keySet()) {
                StringBuilder line = new StringBuilder(String.format("  %-32s", c));
                List<long[]> m = configs.stream().map(f -> medians(runs.get(c + "|" + f.label()))).toList();
                m.forEach(x -> line.append(String.format(" %-28s", x[0] + " / " + x[1])));
                line.append(ratio(m.get(1), m.get(0))).append(";").append(ratio(m.get(2), m.get(1)));
                if (m.size() > 3) {
                    line.append(";").append(ratio(m.get(2), m.get(3)));
                }
                System.out.println(line);
            }
        } finally {
            try (var all = Files.walk(root)) {
                all.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static String ratio(long[] a, long[] b) {
        return String.format(" x%.2f, x%.2f", (double) a[0] / b[0], (double) a[1] / b[1]);
    }

    /** The class archive ./steward gives a short command, made by running it once (where it is missing or made for another jar). */
    private static Path classArchive() throws Exception {
        Process p = new ProcessBuilder("bash", "steward", "--version").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException("./steward --version failed or did not end within 5 minutes");
        }
        Path jsa = JAR.resolveSibling("steward.jsa");
        if (!Files.isRegularFile(jsa)) {
            throw new IllegalStateException("./steward made no class archive at " + jsa + " (this JVM cannot make one?)");
        }
        return jsa;
    }

    /** Runs one process to its end; {wall ms, CPU ms}. A null command is {@code java -version}. */
    private static long[] run(Config config, List<String> command) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(config.flags());
        if (command == null) {
            cmd.add("-version");
        } else {
            cmd.addAll(List.of("-jar", config.jar().toString()));
            cmd.addAll(command);
        }
        long cpu0 = childrenCpuTicks();
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", cmd) + " did not end within 2 minutes");
        }
        long wall = (System.nanoTime() - t0) / 1_000_000;
        if (p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " exited with " + p.exitValue());
        }
        // waitFor returns once the JDK has reaped the child (its exit status is known then), which adds its times to cutime and cstime
        return new long[] {wall, (childrenCpuTicks() - cpu0) * 10}; // USER_HZ is 100 on Linux
    }

    /** cutime + cstime of this process: the CPU its children took, counted once each is reaped. */
    private static long childrenCpuTicks() throws IOException {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[13]) + Long.parseLong(f[14]); // fields 16 and 17, counted from the state (field 3) at 0
    }

    private static long[] medians(List<long[]> rs) {
        long[] wall = rs.stream().mapToLong(r -> r[0]).sorted().toArray();
        long[] cpu = rs.stream().mapToLong(r -> r[1]).sorted().toArray();
        return new long[] {wall[wall.length / 2], cpu[cpu.length / 2]};
    }
}
