package dev.steward.agent;

import dev.steward.api.Units;
import dev.steward.api.ValidationException;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * The agent's configuration: a properties file (docs/agent.md lists every key), overridden
 * by {@code --key value} flags. Defaults are sane for one machine.
 */
public record AgentConfig(String server, String joinToken, Path dataDir, String name, String bind, String advertise, long reserveCpuMillis,
                          long reserveMemoryMib, String ports, Map<String, String> attributes, String user, Duration heartbeatInterval,
                          long logMaxBytes, int logKeep, String cgroupParent, long packageCacheBytes, boolean cpuQuota,
                          Duration sandboxRetention) {

    public static final String DEFAULT_PORTS = "20000-32000";

    /** Reads {@code file} (may be null) then applies {@code overrides}; a bad value names its key. */
    public static AgentConfig load(Path file, Map<String, String> overrides) throws IOException {
        Properties p = new Properties();
        if (file != null) {
            try (Reader r = Files.newBufferedReader(file)) {
                p.load(r);
            }
        }
        overrides.forEach(p::setProperty);
        Map<String, String> attrs = new LinkedHashMap<>();
        for (String k : p.stringPropertyNames()) {
            if (k.startsWith("attribute.")) {
                attrs.put(k.substring("attribute.".length()), p.getProperty(k));
            }
        }
        String server = p.getProperty("server", "http://127.0.0.1:4646");
        String joinToken = p.getProperty("join-token", System.getenv("STEWARD_JOIN_TOKEN"));
        Path data = Path.of(p.getProperty("data", System.getProperty("user.home") + "/.steward/agent")).toAbsolutePath().normalize();
        String name = p.getProperty("name", Detector.hostname());
        String bind = p.getProperty("bind", "127.0.0.1:0");
        String advertise = p.getProperty("advertise");
        long resCpu = Units.cpuMillis("reserve-cpus", p.getProperty("reserve-cpus", "0"));
        long resMem = Units.mebibytes("reserve-memory", p.getProperty("reserve-memory", "0"));
        String ports = p.getProperty("ports", DEFAULT_PORTS);
        boolean root = "root".equals(System.getProperty("user.name"));
        String user = p.getProperty("user", root ? "nobody" : "");
        Duration hb = Units.duration("heartbeat-interval", p.getProperty("heartbeat-interval", "2s"));
        long logMax = Units.mebibytes("log-max-size", p.getProperty("log-max-size", "10m")) * 1024 * 1024;
        int keep = Integer.parseInt(p.getProperty("log-keep", "3"));
        String cg = p.getProperty("cgroup-parent", "steward");
        long cache = Units.mebibytes("package-cache-size", p.getProperty("package-cache-size", "10g")) * 1024 * 1024;
        String quota = p.getProperty("cpu-quota", "on").trim().toLowerCase(java.util.Locale.ROOT);
        if (!quota.equals("on") && !quota.equals("off")) {
            throw new ValidationException("cpu-quota", "'" + quota + "' is not on or off");
        }
        Duration retention = Units.duration("sandbox-retention", p.getProperty("sandbox-retention", "1h"));
        for (String k : p.stringPropertyNames()) {
            if (!k.startsWith("attribute.") && !KNOWN.containsKey(k)) {
                throw new ValidationException(k, "is not a configuration key; known keys: " + String.join(", ", KNOWN.keySet()) + ", attribute.NAME");
            }
        }
        return new AgentConfig(server, joinToken, data, name, bind, advertise, resCpu, resMem, ports, Map.copyOf(attrs), user, hb, logMax, keep, cg, cache, quota.equals("on"),
                retention);
    }

    /** Every key, with what it means; docs/agent.md is written from this list. */
    static final Map<String, String> KNOWN = new LinkedHashMap<>();

    static {
        KNOWN.put("server", "allocator address (default http://127.0.0.1:4646)");
        KNOWN.put("join-token", "cluster join token, used once at first start (or STEWARD_JOIN_TOKEN)");
        KNOWN.put("data", "data directory: identity, task sandboxes, logs (default ~/.steward/agent)");
        KNOWN.put("name", "agent name, unique in the cluster (default the hostname)");
        KNOWN.put("bind", "HOST:PORT of the agent's log server (default 127.0.0.1:0)");
        KNOWN.put("advertise", "address the allocator reaches the log server at (default http://BIND)");
        KNOWN.put("reserve-cpus", "cpus kept for the system, not lent (default 0)");
        KNOWN.put("reserve-memory", "memory kept for the system, not lent (default 0)");
        KNOWN.put("ports", "port ranges lent to tasks (default 20000-32000)");
        KNOWN.put("user", "run tasks as this user when the agent runs as root (default nobody; empty: as the agent)");
        KNOWN.put("heartbeat-interval", "how often to heartbeat (default 2s; keep it well under the allocator's grace)");
        KNOWN.put("log-max-size", "rotate a task's stdout or stderr past this size (default 10m)");
        KNOWN.put("log-keep", "rotated files kept per stream (default 3)");
        KNOWN.put("cgroup-parent", "cgroup under which task groups are made (default steward)");
        KNOWN.put("cpu-quota", "on: a task's cpus are a hard CFS quota; off: only its placement counts them (default on)");
        KNOWN.put("sandbox-retention", "how long a finished task's sandbox (its files and logs) is kept before it is removed (default 1h)");
        KNOWN.put("package-cache-size", "packages kept in DATA/packages, least recently used evicted first (default 10g)");
    }
}
