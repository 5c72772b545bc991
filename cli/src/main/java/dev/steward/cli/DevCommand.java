package dev.steward.cli;

import dev.steward.agent.Agent;
import dev.steward.allocator.Server;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code steward dev}: the embedded default. The allocator and one local agent in one process,
 * data in one directory, bound to 127.0.0.1; prints the address and the admin token.
 */
@Command(name = "dev", mixinStandardHelpOptions = true, description = "Run an allocator and a local agent in one process (for a laptop, a demo, tests).")
final class DevCommand implements Callable<Integer> {
    @Option(names = "--data", description = "Data directory. Default: ~/.steward/dev")
    Path data;

    @Option(names = "--port", description = "Port on 127.0.0.1; 0 takes a free one. Default: ${DEFAULT-VALUE}", defaultValue = "4646")
    int port;

    @picocli.CommandLine.Mixin
    DevPorts ports;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    static Path defaultData() {
        return Path.of(System.getProperty("user.home"), ".steward", "dev");
    }

    @Override
    public Integer call() throws Exception {
        Path dir = (data == null ? defaultData() : data).toAbsolutePath().normalize();
        String lent = ports.checked(spec);
        long t0 = System.nanoTime();
        Embedded e = Embedded.start(dir, port, lent);
        Server server = e.server;
        Agent agent = e.agent;
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("\nsteward dev stopping: the allocator, then every task it runs");
            e.closeWithTasks(); // Ctrl-C stops what it runs: a laptop is not a cluster
            System.out.println("steward dev stopped; its data stays in " + dir + " (the next 'steward dev --data " + dir + "' starts from it)");
            System.out.flush();
            stopped.countDown();
        }, "steward-dev-shutdown"));
        System.out.printf("steward dev ready in %.1f s: allocator %s, agent %s%n", (System.nanoTime() - t0) / 1e9, server.url(), agent.id());
        System.out.println("  data:  " + dir);
        System.out.println("  ports: " + e.ports + " lent to tasks (--ports to choose others)");
        if ("root".equals(System.getProperty("user.name"))) { // a laptop's agent runs tasks as you: here that is root, with nothing kept apart
            System.out.println("  tasks: run as root, as you (steward dev runs them as its user); for a uid, /tmp, /proc and IPC of their own per "
                    + "task, run 'steward server' and 'steward agent' (docs/agent.md)");
        }
        System.out.println("  export STEWARD_ADDR=" + server.url());
        System.out.println("  export STEWARD_TOKEN=" + server.adminToken());
        System.out.println("  dashboard: " + server.url() + "/ (sign in with the token above)");
        System.out.println("  try:   ./steward allocate --cpus 0.5 --memory 256m --ports http -- sh -c 'echo allocation $STEWARD_ALLOC_ID port $STEWARD_PORT_HTTP'");
        System.out.flush();
        stopped.await();
        return 0;
    }
}
