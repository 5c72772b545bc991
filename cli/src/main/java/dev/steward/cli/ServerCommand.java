package dev.steward.cli;

import dev.steward.allocator.Server;
import dev.steward.allocator.ServerConfig;
import dev.steward.allocator.packages.PackagePolicy;
import dev.steward.api.Units;
import dev.steward.api.ValidationException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/** {@code steward server}: runs the allocator until interrupted. */
@Command(name = "server", mixinStandardHelpOptions = true, description = "Run the allocator (the control plane).")
final class ServerCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--data", description = "Data directory (state database, tokens). Default: ${DEFAULT-VALUE}",
            defaultValue = "${sys:user.home}/.steward/server")
    Path data;

    @Option(names = "--bind", description = "HOST:PORT to listen on; port 0 takes a free one. Default: ${DEFAULT-VALUE}", defaultValue = "127.0.0.1:4646")
    String bind;

    @Option(names = "--heartbeat-grace", description = "How long an agent may miss heartbeats before it is lost. Default: ${DEFAULT-VALUE}",
            defaultValue = "10s")
    String heartbeatGrace;

    @Option(names = "--max-pending-per-role", description = "Most requests a role may have waiting for room (its services' instances included) "
            + "before a client's next request is refused with 409: every scheduling pass tries every pending request. Default: ${DEFAULT-VALUE}",
            defaultValue = "1000")
    int maxPendingPerRole;

    @Option(names = "--max-services-per-role", description = "Most services (app x env) a role may have, those being deleted included, "
            + "before its next new one is refused with 409 (each keeps its last 10 revisions and 20 deployments). Default: ${DEFAULT-VALUE}",
            defaultValue = "1000")
    int maxServicesPerRole;

    @Option(names = "--max-monitors-per-role", description = "Most monitors a role may run at once, canary gates' included (each scrapes "
            + "every instance of its service at its interval), before its next is refused with 409. Default: ${DEFAULT-VALUE}",
            defaultValue = "32")
    int maxMonitorsPerRole;

    @Option(names = "--max-tasks-per-allocation", description = "Most tasks one allocation may have had, ended ones included (their records "
            + "live as long as it does), before its next is refused with 409. Default: ${DEFAULT-VALUE}", defaultValue = "1000")
    int maxTasksPerAllocation;

    @Option(names = "--max-secrets-per-role", description = "Most service secrets a role may keep (each up to 64 KiB, held in memory and "
            + "sealed on disk) before its next new one is refused with 409. Default: ${DEFAULT-VALUE}", defaultValue = "256")
    int maxSecretsPerRole;

    @Option(names = "--max-connections", description = "Most HTTP connections open at once. Past it, the connection idle longest "
            + "(between requests, or still sending its request head) is closed to make room; agents' connections and requests being served never are. "
            + "Keep it below the process's open-file limit (ulimit -n). Default: ${DEFAULT-VALUE}", defaultValue = "16384")
    int maxConnections;

    @Option(names = "--max-connections-per-address", description = "Most connections one remote address may hold open at once; past it, "
            + "its next connection is closed as it is accepted, so that one host cannot take every connection. A proxy named in "
            + "--trusted-proxies is not limited (every client behind it has its address). 0 for no limit. Default: ${DEFAULT-VALUE}", defaultValue = "1024")
    int maxConnectionsPerAddress;

    @Option(names = "--trusted-proxies", paramLabel = "CIDR[,CIDR...]", description = "Proxies (addresses or networks, such as 10.0.0.5 or "
            + "10.1.0.0/16) whose X-Forwarded-For header is believed: a request through one is logged, and its token's last use and an agent's "
            + "join are noted, as coming from the client the header names (the request log adds via=PROXY). From anywhere else the header is "
            + "ignored: anyone can send it. Default: none")
    String trustedProxies;

    @Option(names = "--admin-token", description = "Admin token to use instead of the data directory's (or set STEWARD_ADMIN_TOKEN).",
            defaultValue = "${env:STEWARD_ADMIN_TOKEN}")
    String adminToken;

    @Option(names = "--join-token", description = "Cluster join token to use instead of the data directory's (or set STEWARD_JOIN_TOKEN).",
            defaultValue = "${env:STEWARD_JOIN_TOKEN}")
    String joinToken;

    @Option(names = "--static-join-token", description = "on: agents join with the data directory's join token (join.token, or --join-token), "
            + "which never expires; off: only with join tokens the admin mints ('steward tokens create --join', each expiring and, with --uses, "
            + "good for that many agents), so a copied token joins little and not for long. With --zookeeper, give it to every server. "
            + "Default: ${DEFAULT-VALUE}", defaultValue = "on")
    String staticJoinToken;

    @Option(names = "--package-max-size", description = "Largest package the artifact store accepts. Default: ${DEFAULT-VALUE}", defaultValue = "4g")
    String packageMaxSize;

    @Option(names = "--max-package-bytes-per-role", description = "Most bytes of packages a role may hold (each it uploaded or ran counts "
            + "whole) before its next upload is refused with 409; it lets go of one with DELETE /v1/packages/DIGEST. Default: ${DEFAULT-VALUE}",
            defaultValue = "32g")
    String maxPackageBytesPerRole;

    @Option(names = "--package-retention", description = "How long a package nothing uses is kept. Default: ${DEFAULT-VALUE}", defaultValue = "72h")
    String packageRetention;

    @Option(names = "--secrets-key", description = "Keyring that seals task secrets at rest (mode 0600). Default: secrets.key in the data directory, made on first start")
    Path secretsKey;

    @Option(names = "--tls-cert", description = "Serve HTTPS with this certificate (PEM; steward tls cert create --server)")
    Path tlsCert;

    @Option(names = "--tls-key", description = "The key of --tls-cert (PEM, PKCS#8)")
    Path tlsKey;

    @Option(names = "--ca-cert", description = "The cluster's CA (PEM): agents' HTTPS log servers are checked against it, and so are client certificates")
    Path caCert;

    @Option(names = "--tls-verify-clients", description = "Accept only callers that present a certificate from --ca-cert (mutual TLS)")
    boolean verifyClients;

    @Option(names = "--zookeeper", paramLabel = "HOST:PORT[,HOST:PORT...]",
            description = "Run as one of several allocators on this ZooKeeper ensemble: one leads, the others follow and take over (docs/ha.md). "
                    + "Every server needs the same --secrets-key file.")
    String zookeeper;

    @Option(names = "--zk-root", description = "The ZooKeeper path the allocators of one cluster share. Default: ${DEFAULT-VALUE}", defaultValue = "/steward")
    String zkRoot;

    @Option(names = "--zk-session-timeout", description = "A leader silent to ZooKeeper for longer is replaced. Default: ${DEFAULT-VALUE}", defaultValue = "10s")
    String zkSessionTimeout;

    @Option(names = "--advertise", paramLabel = "URL", description = "The URL the other servers, clients and agents reach this server at. Default: the bound address")
    String advertise;

    @Option(names = "--snapshot-every", description = "Log entries between snapshots in ZooKeeper (the log is trimmed behind each). Default: ${DEFAULT-VALUE}",
            defaultValue = "1000")
    int snapshotEvery;

    @Option(names = "--metrics", paramLabel = "token|open",
            description = "Who may read /metrics: 'token' (the metrics token in metrics.token, or the admin token) or 'open' (anyone). Default: ${DEFAULT-VALUE}",
            defaultValue = "token")
    String metrics;

    @Option(names = "--access-log", paramLabel = "FILE|-|off",
            description = "The request log, one line per request: a file (FILE.0 the newest, rotated at 10 MiB into FILE.1 .. FILE.4), '-' for standard error, or 'off'. "
                    + "Default: access.log(.0) in the data directory")
    String accessLog;

    @Option(names = "--access-log-agents", description = "Log agents' routine requests too (heartbeats, task reports and health checks that went "
            + "well; thousands a second in a large cluster). Their failures are always logged")
    boolean accessLogAgents;

    @Override
    public Integer call() throws Exception {
        Logs.quiet(java.util.logging.Level.WARNING, "org.eclipse.jetty"); // its version and connector lines: the banner says where it listens
        for (String flag : new String[] {"--admin-token", "--join-token"}) { // /proc/PID/cmdline is every user's to read while the server runs
            if (spec.commandLine().getParseResult().hasMatchedOption(flag)) {
                System.err.println("steward server: warning: " + flag + " puts a token on the command line, where every user of this machine can "
                        + "read it (ps, /proc/PID/cmdline) while the server runs; set " + (flag.equals("--admin-token") ? "STEWARD_ADMIN_TOKEN"
                        : "STEWARD_JOIN_TOKEN") + " instead, or let the server keep its own in the data directory (0600)");
            }
        }
        data = data.toAbsolutePath().normalize();
        if (!metrics.equals("token") && !metrics.equals("open")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--metrics is 'token' or 'open', not '" + metrics + "'");
        }
        dev.steward.allocator.http.ServerTls tls = null;
        if (tlsCert != null || tlsKey != null || verifyClients) {
            if (tlsCert == null || tlsKey == null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--tls-cert and --tls-key go together");
            }
            if (verifyClients && caCert == null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--tls-verify-clients needs --ca-cert, the CA that issues client certificates");
            }
            tls = new dev.steward.allocator.http.ServerTls(new dev.steward.tls.TlsFiles(caCert, tlsCert, tlsKey), verifyClients);
        }
        InetSocketAddress addr = parseBind(bind);
        Duration grace;
        PackagePolicy packages;
        long packageBytesPerRole;
        try {
            grace = Units.duration("--heartbeat-grace", heartbeatGrace);
            packageBytesPerRole = Units.mebibytes("--max-package-bytes-per-role", maxPackageBytesPerRole) << 20;
            packages = new PackagePolicy(Units.mebibytes("--package-max-size", packageMaxSize) << 20,
                    Units.duration("--package-retention", packageRetention), PackagePolicy.DEFAULTS.sweepInterval());
        } catch (ValidationException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        if (maxPendingPerRole < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--max-pending-per-role is " + maxPendingPerRole + "; it must be at least 1");
        }
        if (packageBytesPerRole < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--max-package-bytes-per-role is " + maxPackageBytesPerRole
                    + "; it must be at least 1m");
        }
        if (maxServicesPerRole < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--max-services-per-role is " + maxServicesPerRole + "; it must be at least 1");
        }
        if (maxMonitorsPerRole < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--max-monitors-per-role is " + maxMonitorsPerRole + "; it must be at least 1");
        }
        if (maxTasksPerAllocation < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--max-tasks-per-allocation is " + maxTasksPerAllocation
                    + "; it must be at least 1");
        }
        if (maxSecretsPerRole < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--max-secrets-per-role is " + maxSecretsPerRole + "; it must be at least 1");
        }
        if (maxConnections < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--max-connections is " + maxConnections + "; it must be at least 1");
        }
        if (maxConnectionsPerAddress < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--max-connections-per-address is " + maxConnectionsPerAddress
                    + "; it must be 0 (no limit) or more");
        }
        dev.steward.allocator.http.TrustedProxies proxies;
        try {
            proxies = dev.steward.allocator.http.TrustedProxies.parse(trustedProxies);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--trusted-proxies: " + e.getMessage());
        }
        if (!staticJoinToken.equals("on") && !staticJoinToken.equals("off")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--static-join-token is '" + staticJoinToken + "'; it is on or off");
        }
        if (staticJoinToken.equals("off") && joinToken != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--join-token gives the static join token, which --static-join-token off refuses: "
                    + "give one or the other");
        }
        ServerConfig cfg = ServerConfig.of(data).withBind(addr).withHeartbeatGrace(grace).withTokens(adminToken, joinToken)
                .withStaticJoinToken(staticJoinToken.equals("on"))
                .withPackages(packages).withSecretsKey(secretsKey == null ? null : secretsKey.toAbsolutePath()).withTls(tls)
                .withMetricsOpen(metrics.equals("open"))
                .withBounds(new dev.steward.allocator.state.RoleBounds(maxPendingPerRole, maxServicesPerRole, packageBytesPerRole,
                        maxMonitorsPerRole, maxTasksPerAllocation, maxSecretsPerRole))
                .withHttp(dev.steward.allocator.http.HttpLimits.DEFAULTS.withConnections(maxConnections).withConnectionsPerAddress(maxConnectionsPerAddress)
                        .withTrustedProxies(proxies));
        warnOfFileLimit();
        if (!java.nio.file.Files.isDirectory(data)) { // made as the server makes it, private: the log goes there before the server starts
            java.nio.file.Files.createDirectories(data, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                    java.nio.file.attribute.PosixFilePermissions.fromString("rwx------")));
        }
        AccessLog.open(accessLog, data.resolve("access.log"), accessLogAgents);
        if (zookeeper != null) {
            return replicated(cfg);
        }
        Server server = Server.start(cfg);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "steward-shutdown"));
        System.out.println("steward server listening on " + server.url() + (server.opened() ? " (index " + server.engine().index() + ")"
                : " (its disk is full: it answers every request with why, and opens its state once there is room)"));
        System.out.println("  data:        " + data);
        System.out.println("  admin token: " + data.resolve("admin.token"));
        System.out.println("  join token:  " + (cfg.staticJoinToken() ? data.resolve("join.token")
                : "off: agents join with minted join tokens only ('steward tokens create --join --ttl 1h --uses 1')"));
        System.out.println("  secrets key: " + (secretsKey == null ? data.resolve("secrets.key") : secretsKey.toAbsolutePath()));
        System.out.println("  metrics:     " + server.url() + "/metrics" + (metrics.equals("open") ? " (open)" : " (token: " + data.resolve("metrics.token") + ")"));
        System.out.println("  dashboard:   " + server.url() + "/");
        System.out.flush();
        stopped.await();
        return 0;
    }

    /** Files the server needs besides its connections: its store, jars, logs, packages being moved, calls to agents. */
    static final int FILES_BESIDES_CONNECTIONS = 1024;

    /**
     * Says so when the process may open fewer files than its connections and the rest need: past
     * that, accepting a connection or opening a file fails (EMFILE) before the connection limit
     * can act.
     */
    private void warnOfFileLimit() {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean os) {
            String warning = fileLimitWarning(os.getMaxFileDescriptorCount(), maxConnections);
            if (warning != null) {
                System.err.println(warning);
            }
        }
    }

    /** What to say when {@code files} open files are too few for {@code connections} and the rest; null when they are enough. */
    static String fileLimitWarning(long files, int connections) {
        long needed = (long) connections + FILES_BESIDES_CONNECTIONS;
        if (files >= needed) {
            return null;
        }
        return "warning: this process may open " + files + " files (ulimit -n), fewer than --max-connections (" + connections + ") and "
                + FILES_BESIDES_CONNECTIONS + " more for the rest: raise the limit (ulimit -n " + needed
                + ", or LimitNOFILE in a systemd unit), or lower --max-connections";
    }

    private int replicated(ServerConfig cfg) throws Exception {
        // ZooKeeper's client logs every reconnection attempt with a stack trace; the allocator says what matters (connection lost, leading, stepping down)
        Logs.quiet(java.util.logging.Level.SEVERE, "org.apache.zookeeper", "org.apache.curator");
        dev.steward.ha.HaConfig ha;
        try {
            ha = new dev.steward.ha.HaConfig(zookeeper, zkRoot, Units.duration("--zk-session-timeout", zkSessionTimeout), advertise, snapshotEvery,
                    dev.steward.ha.HaConfig.KEY_HANDOVER);
        } catch (ValidationException | IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage().startsWith("--") ? e.getMessage() : "--" + e.getMessage());
        }
        dev.steward.ha.HaServer server = dev.steward.ha.HaServer.start(cfg, ha);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "steward-shutdown"));
        System.out.println("steward server listening on " + server.url() + ", one of the allocators on ZooKeeper " + zookeeper + " " + zkRoot
                + " (it follows until elected; GET /v1/health says its role and the leader)");
        System.out.println("  data:        " + data);
        System.out.println("  admin token: " + data.resolve("admin.token") + " (the cluster's)");
        System.out.println("  join token:  " + (cfg.staticJoinToken() ? data.resolve("join.token") + " (the cluster's)"
                : "off: agents join with minted join tokens only ('steward tokens create --join --ttl 1h --uses 1')"));
        System.out.println("  secrets key: " + (secretsKey == null ? data.resolve("secrets.key") : secretsKey.toAbsolutePath()) + " (the same file on every server)");
        System.out.flush();
        stopped.await();
        return 0;
    }

    private InetSocketAddress parseBind(String text) {
        int colon = text.lastIndexOf(':');
        try {
            if (colon <= 0) {
                throw new NumberFormatException();
            }
            int port = Integer.parseInt(text.substring(colon + 1));
            if (port < 0 || port > 65535) {
                throw new NumberFormatException();
            }
            return new InetSocketAddress(text.substring(0, colon), port);
        } catch (NumberFormatException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--bind takes HOST:PORT such as 127.0.0.1:4646, not '" + text + "'");
        }
    }
}
