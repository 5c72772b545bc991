package dev.steward.agent;

import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * {@code steward agent [--config FILE] [--KEY VALUE]...}: the agent as a process. Keys are those
 * of the config file (docs/agent.md); a flag overrides the file. Exit 2 on a bad key or value.
 */
public final class AgentMain {
    private AgentMain() {
    }

    public static void main(String[] args) throws Exception {
        System.exit(run(args));
    }

    public static int run(String[] args) throws Exception {
        // Jetty asks the JMX platform server for the JVM's compressed-oops setting unless told: that server alone
        // costs the agent about 3 MB resident (its MBeans and some 140 classes). 16 references per 64-byte line is
        // what it would find with compressed oops, the default for a heap this small.
        if (System.getProperty("org.eclipse.jetty.util.referencesPerCacheLine") == null) {
            System.setProperty("org.eclipse.jetty.util.referencesPerCacheLine", "16");
        }
        Path config = null;
        Map<String, String> overrides = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("agent")) {
                continue;
            }
            if (a.equals("-h") || a.equals("--help")) {
                System.out.println("usage: steward agent [--config FILE] [--KEY VALUE]...\nkeys:");
                AgentConfig.KNOWN.forEach((k, v) -> System.out.printf("  --%-20s %s%n", k, v));
                System.out.println("  --attribute.NAME       an attribute constraints can match");
                return 0;
            }
            if (!a.startsWith("--") || i + 1 >= args.length) {
                System.err.println("steward agent: expected --KEY VALUE, got '" + a + "'; see --help");
                return 2;
            }
            String v = args[++i];
            if (a.equals("--config")) {
                config = Path.of(v);
            } else {
                overrides.put(a.substring(2), v);
            }
        }
        if (overrides.containsKey("join-token")) { // /proc/PID/cmdline is every user's to read, for as long as the agent runs
            System.err.println("steward agent: warning: --join-token puts the cluster's join token on the command line, where every user of "
                    + "this machine can read it (ps, /proc/PID/cmdline) while the agent runs; give --join-token-file FILE, join-token in a "
                    + "0600 config file, or STEWARD_JOIN_TOKEN instead");
        }
        AgentConfig cfg;
        try {
            cfg = AgentConfig.load(config, overrides);
        } catch (dev.steward.api.ValidationException e) {
            System.err.println("steward agent: " + e.getMessage());
            return 2;
        }
        Agent agent;
        try {
            agent = new Agent(cfg, Clock.systemUTC()).start();
        } catch (java.io.IOException | dev.steward.datadir.DataDirLock.InUse e) {
            System.err.println("steward agent: " + e.getMessage());
            return 1;
        }
        System.out.println("steward agent " + agent.id() + " (" + cfg.name() + ") joined " + cfg.server() + "; logs served on " + agent.logAddress());
        System.out.println(agent.detected());
        System.out.flush();
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            agent.close();
            done.countDown();
        }, "steward-agent-shutdown"));
        done.await();
        return 0;
    }
}
