package dev.steward.bench;

import dev.steward.allocator.Server;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * AgentBench's third part: the resident memory of an idle agent process from the shipped jar
 * with the shipped flags ({@link AgentBench#SHIPPED_FLAGS}), beside the same JVM doing nothing,
 * its loaded classes, and the native memory tracking summary of an identical twin (NMT costs
 * memory of its own, so the twin is not the one measured).
 */
final class IdleAgentFootprint {
    private IdleAgentFootprint() {
    }

    /** Starts the idle agent and its twin against {@code server}, data under {@code root}; prints the figures; stops both. */
    static void measure(Server server, Path root) throws Exception {
        Process idle = idleAgent(server, root, "idle", 26000, List.of());
        Process twin = idleAgent(server, root, "twin", 27000, List.of("-XX:NativeMemoryTracking=summary"));
        try {
            for (String name : List.of("idle", "twin")) {
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (!Files.readString(root.resolve(name + ".log")).contains("joined ") && System.nanoTime() < deadline) {
                    Thread.sleep(200);
                }
                if (!Files.readString(root.resolve(name + ".log")).contains("joined ")) {
                    throw new IllegalStateException("the " + name + " agent did not join:\n" + Files.readString(root.resolve(name + ".log")));
                }
            }
            Thread.sleep(Long.getLong("idle.ms", 20_000)); // idle: heartbeats and an open blocking query only
            if (!idle.isAlive() || Files.readString(root.resolve("idle.log")).contains("Exception")) {
                throw new IllegalStateException("the idle agent failed:\n" + Files.readString(root.resolve("idle.log")));
            }
            long rss = 0;
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(idle.pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    rss = Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
            System.out.printf("idle agent resident memory: %.1f MB (VmRSS after %d s idle, flags %s); goal at most 48 MB%n", rss / 1024.0,
                    Long.getLong("idle.ms", 20_000) / 1000, String.join(" ", AgentBench.SHIPPED_FLAGS));
            double jvm = HttpFootprintBench.measure("nothing", List.of(), server.url())[0];
            System.out.printf("  the same JVM with the same flags doing nothing: %.1f MB, so the agent's own part is %.1f MB; the goal leaves %.1f MB "
                    + "for it%n", jvm, rss / 1024.0 - jvm, 48 - jvm);
            String classes = jcmd(idle.pid(), "PerfCounter.print").lines().filter(l -> l.startsWith("java.cls.loadedClasses=")
                    || l.startsWith("java.cls.sharedLoadedClasses=") || l.startsWith("java.cls.unloadedClasses=")).map(String::strip)
                    .reduce((x, y) -> x + ", " + y).orElse("n/a");
            System.out.println("  classes: " + classes);
            System.out.println("  native memory tracking of an identical twin (committed KB; NMT's own cost included):");
            java.util.regex.Pattern category = java.util.regex.Pattern.compile("^(?:-\\s+)?([A-Z][A-Za-z ]*?)\\s*[:(]\\s*reserved=(\\d+)KB, committed=(\\d+)KB");
            for (String line : jcmd(twin.pid(), "VM.native_memory", "summary").lines().toList()) {
                java.util.regex.Matcher m = category.matcher(line.strip());
                if (m.find() && Long.parseLong(m.group(3)) >= 100) {
                    System.out.printf("    %-28s %7s%n", m.group(1).strip(), m.group(3));
                }
            }
        } finally {
            idle.destroyForcibly().waitFor();
            twin.destroyForcibly().waitFor();
        }
    }

    /** An agent process from the shipped jar with the shipped flags (and {@code extra}), writing to ROOT/NAME.log. */
    private static Process idleAgent(Server server, Path root, String name, int firstPort, List<String> extra) throws java.io.IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(AgentBench.SHIPPED_FLAGS);
        cmd.addAll(extra);
        Path jar = Path.of("cli/target/steward.jar");
        cmd.addAll(Files.exists(jar) ? List.of("-jar", jar.toString(), "agent") : List.of("-cp", System.getProperty("java.class.path"), "dev.steward.agent.AgentMain"));
        Path token = root.resolve(name + ".join-token");
        Files.writeString(token, server.joinToken()); // as a real agent is given it: in a file, never on its command line
        cmd.addAll(List.of("--server", server.url(), "--join-token-file", token.toString(), "--data", root.resolve(name).toString(), "--name", name,
                "--ports", firstPort + "-" + (firstPort + 999), "--cgroup-parent", "steward-bench"));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(root.resolve(name + ".log").toFile()).start();
    }

    /** What {@code jcmd PID ARGS...} prints. */
    private static String jcmd(long pid, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(), Long.toString(pid)));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        p.waitFor();
        return out;
    }
}
