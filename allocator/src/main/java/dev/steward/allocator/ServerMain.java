package dev.steward.allocator;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code steward server --data DIR --bind HOST:PORT [--heartbeat-grace 10s]}: the allocator as
 * a process. Tokens come from STEWARD_ADMIN_TOKEN / STEWARD_JOIN_TOKEN or the data directory.
 */
public final class ServerMain {
    private ServerMain() {
    }

    public static void main(String[] args) throws Exception {
        Path data = Path.of(System.getProperty("user.home"), ".steward", "server");
        String bind = "127.0.0.1:4646";
        Duration grace = Duration.ofSeconds(10);
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (a) {
                case "server" -> {
                    continue;
                }
                case "--data" -> data = Path.of(require(a, v));
                case "--bind" -> bind = require(a, v);
                case "--heartbeat-grace" -> grace = dev.steward.api.Units.duration("--heartbeat-grace", require(a, v));
                case "-h", "--help" -> {
                    System.out.println("usage: steward server --data DIR --bind HOST:PORT [--heartbeat-grace 10s]");
                    return;
                }
                default -> {
                    System.err.println("steward server: unknown option '" + a + "'; see --help");
                    System.exit(2);
                }
            }
            i++;
        }
        int colon = bind.lastIndexOf(':');
        if (colon < 0) {
            System.err.println("steward server: --bind takes HOST:PORT, e.g. 127.0.0.1:4646");
            System.exit(2);
        }
        InetSocketAddress addr = new InetSocketAddress(bind.substring(0, colon), Integer.parseInt(bind.substring(colon + 1)));
        ServerConfig cfg = ServerConfig.of(data).withBind(addr).withHeartbeatGrace(grace)
                .withTokens(System.getenv("STEWARD_ADMIN_TOKEN"), System.getenv("STEWARD_JOIN_TOKEN"));
        Server server = Server.start(cfg);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "steward-shutdown"));
        System.out.println("steward server listening on " + server.url() + " (data in " + data.toAbsolutePath() + ", index "
                + server.engine().index() + ")");
        System.out.println("admin token in " + data.resolve("admin.token") + ", join token in " + data.resolve("join.token"));
        Thread.currentThread().join();
    }

    private static String require(String flag, String v) {
        if (v == null) {
            System.err.println("steward server: " + flag + " needs a value");
            System.exit(2);
        }
        return v;
    }
}
