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
 * ({@code /proc/self/stat}), at the kernel's clock tick (10 ms here).
 * Usage: {@code bench/run CliStartBench [ROUNDS]} (15).
 */
public final class CliStartBench {
    private static final Path JAR = Path.of("cli", "target", "steward.jar").toAbsolutePath();
    private static final Map<String, List<String>> FLAGS = new LinkedHashMap<>();

    static {
        FLAGS.put("whole JIT (before)", List.of());
        FLAGS.put("C1 only (./steward)", List.of("-XX:TieredStopAtLevel=1"));
    }

    private CliStartBench() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 15;
        if (!Files.exists(JAR)) {
            throw new IllegalStateException(JAR + " is missing: bench/run builds it");
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
                    run(List.of(), c);
                }
            }
            for (int r = 0; r < rounds; r++) {
                for (Map.Entry<String, List<String>> c : commands.entrySet()) {
                    for (Map.Entry<String, List<String>> f : FLAGS.entrySet()) {
                        runs.computeIfAbsent(c.getKey() + "|" + f.getKey(), k -> new ArrayList<>()).add(run(f.getValue(), c.getValue()));
                    }
                }
            }
            System.out.printf("a short command as a process, %d rounds, medians (wall ms / CPU ms, user and system)%n", rounds);
            System.out.printf("  %-32s %-24s %-24s %s%n", "command", "whole JIT (before)", "C1 only (./steward)", "C1 / whole: wall, CPU");
            for (String c : commands.keySet()) {
                long[] whole = medians(runs.get(c + "|whole JIT (before)"));
                long[] c1 = medians(runs.get(c + "|C1 only (./steward)"));
                System.out.printf("  %-32s %-24s %-24s x%.2f, x%.2f%n", c, whole[0] + " / " + whole[1], c1[0] + " / " + c1[1],
                        (double) c1[0] / whole[0], (double) c1[1] / whole[1]);
            }
        } finally {
            try (var all = Files.walk(root)) {
                all.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Runs one process to its end; {wall ms, CPU ms}. A null command is {@code java -version}. */
    private static long[] run(List<String> flags, List<String> command) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(flags);
        if (command == null) {
            cmd.add("-version");
        } else {
            cmd.addAll(List.of("-jar", JAR.toString()));
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
        // the JDK reaps a child on its own thread just after it ends: its times reach cutime and cstime then
        long deadline = System.nanoTime() + 1_000_000_000L;
        long cpu = childrenCpuTicks() - cpu0;
        while (cpu == 0 && System.nanoTime() < deadline) {
            Thread.sleep(1);
            cpu = childrenCpuTicks() - cpu0;
        }
        return new long[] {wall, cpu * 10}; // USER_HZ is 100 on Linux
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
