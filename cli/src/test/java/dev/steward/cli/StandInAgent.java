package dev.steward.cli;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import dev.steward.allocator.Server;
import dev.steward.api.AgentJoined;
import dev.steward.api.AgentRegistration;
import dev.steward.client.StewardClient;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;

/**
 * An agent as the allocator sees it, for tests of the commands that read tasks' logs: a log
 * server on loopback that answers {@code /v1/tasks/...} with the test's handler, and a join of
 * agent {@code m1} (4 cpus, 4g, ports 21000-21100) whose address is that server. The test reports
 * the tasks' states itself, with the joined agent's token.
 */
final class StandInAgent implements AutoCloseable {
    private final HttpServer logs;

    private StandInAgent(HttpServer logs) {
        this.logs = logs;
    }

    /** A log server on a free loopback port, answering task log reads with {@code handler}. */
    static StandInAgent start(HttpHandler handler) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        s.createContext("/v1/tasks/", handler);
        s.start();
        return new StandInAgent(s);
    }

    /** Joins {@code server} as agent m1, its logs served here. */
    AgentJoined join(Server server) throws IOException {
        return StewardClient.builder(server.url()).token(server.joinToken()).build()
                .register(new AgentRegistration("m1", "4", "4g", null, null, null, null, "21000-21100",
                        Map.of("address", "http://127.0.0.1:" + logs.getAddress().getPort())));
    }

    @Override
    public void close() {
        logs.stop(0);
    }
}
