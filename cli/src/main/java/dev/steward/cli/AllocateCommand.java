package dev.steward.cli;

import dev.steward.api.AllocateRequest;
import dev.steward.api.AllocationInfo;
import dev.steward.api.Constraint;
import dev.steward.api.RequestInfo;
import dev.steward.api.RequestState;
import dev.steward.api.Units;
import dev.steward.api.ValidationException;
import dev.steward.client.StewardClient;
import dev.steward.client.StewardException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * {@code steward allocate [--cpus ...] -- CMD...}: acquires allocations, runs CMD here with them in
 * its environment ({@code STEWARD_ALLOC_ID}, {@code STEWARD_PORT_<NAME>}, ...), renews the lease
 * while it runs, and always releases them: on success, failure and interruption. Exits with CMD's
 * code (130 when interrupted). The flags are the {@code allocate} step's arguments.
 */
@Command(name = "allocate", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Acquire allocations, run CMD with them in its environment, always release. Exit codes: CMD's; 1 error; 2 usage; "
                + "3 not placed within --wait; 130 interrupted.")
final class AllocateCommand implements Callable<Integer> {
    @Mixin
    Connection conn;

    @Option(names = "--cpus", description = "Cpus per allocation: 2, 1.5, 500m")
    String cpus;
    @Option(names = "--memory", description = "Memory per allocation: 512m, 4g")
    String memory;
    @Option(names = "--disk", description = "Disk per allocation")
    String disk;
    @Option(names = "--gpus", description = "Whole GPUs (1, 2) or a share of one (0.5)")
    String gpus;
    @Option(names = {"--gpu-model", "--gpuModel"}, description = "Allowed GPU models: V100M16|V100M32")
    String gpuModel;
    @Option(names = "--ports", split = ",", description = "Named ports: --ports http,db")
    List<String> ports;
    @Option(names = "--count", description = "Number of allocations. Default: 1")
    Integer count;
    @Option(names = "--ttl", description = "Lease, renewed while CMD runs. Default: 30m")
    String ttl;
    @Option(names = "--priority", description = "0-1000. Default: 50")
    Integer priority;
    @Option(names = "--preemptible", description = "May be evicted for higher priorities")
    Boolean preemptible;
    @Option(names = "--gang", description = "All --count at once, or none")
    Boolean gang;
    @Option(names = "--placement", description = "binpack or spread")
    String placement;
    @Option(names = "--constraint", description = "ATTR=VALUE, ATTR!=VALUE, ATTR~REGEX or distinct (repeatable)")
    List<String> constraints;
    @Option(names = "--name", description = "Name of the request")
    String name;
    @Option(names = "--role", description = "Role (admin tokens only; a role token acts for its own)")
    String role;
    @Option(names = "--wait", description = "How long to wait for placement. Default: ${DEFAULT-VALUE}", defaultValue = "10m")
    String wait;

    @Parameters(arity = "1..*", paramLabel = "CMD", description = "The command to run, after --")
    List<String> command;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        AllocateRequest req = new AllocateRequest(role, name, count, cpus, memory, disk, gpus, gpuModel, ports, null, parseConstraints(), placement,
                priority, preemptible, gang, ttl);
        Duration maxWait;
        try {
            req.parse();
            maxWait = Units.duration("--wait", wait);
        } catch (ValidationException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--" + e.getMessage());
        }
        StewardClient c = conn.client();
        RequestInfo r = c.submit(req);
        Release release = new Release(conn.boundedClient(java.time.Duration.ofSeconds(10)), r.id()); // Ctrl-C must not hang on an unreachable allocator
        ProcessHolder child = new ProcessHolder();
        Thread hook = new Thread(() -> {
            child.kill();
            release.run();
        }, "steward-release");
        Runtime.getRuntime().addShutdownHook(hook);
        ScheduledExecutorService renewer = Executors.newSingleThreadScheduledExecutor(t -> {
            Thread th = new Thread(t, "steward-renew");
            th.setDaemon(true);
            return th;
        });
        try {
            RequestInfo placed = awaitPlacement(c, r, maxWait);
            if (placed == null) {
                release.run();
                return 3;
            }
            List<AllocationInfo> allocs = new ArrayList<>();
            for (String id : placed.allocations()) {
                allocs.add(c.allocation(id));
            }
            long every = Math.max(1000, allocs.get(0).ttlMillis() / 3);
            renewer.scheduleAtFixedRate(() -> allocs.forEach(a -> {
                try {
                    c.renew(a.id(), null);
                } catch (IOException e) {
                    System.err.println("steward: renewing " + a.id() + " failed: " + e.getMessage());
                }
            }), every, every, TimeUnit.MILLISECONDS);
            ProcessBuilder pb = new ProcessBuilder(command).inheritIO();
            pb.environment().putAll(environment(placed, allocs));
            int code = child.run(pb);
            release.run();
            if (conn.json()) {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("request", placed.id());
                out.put("allocations", allocs);
                out.put("exitCode", code);
                Output.json(out);
            }
            return code;
        } finally {
            renewer.shutdownNow();
            release.run();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // shutting down already: the hook runs
            }
        }
    }

    /** Waits with blocking queries, printing why the request is pending whenever that changes; null when --wait runs out. */
    private static RequestInfo awaitPlacement(StewardClient c, RequestInfo r, Duration maxWait) throws IOException {
        String[] said = {null};
        RequestInfo done = c.watch("/v1/requests/" + r.id(), RequestInfo.class, maxWait, x -> x.state() != RequestState.PENDING, x -> {
            String why = x.why() == null ? "waiting to be evaluated" : x.why().summary();
            if (x.state() == RequestState.PENDING && !why.equals(said[0])) {
                System.err.println("steward: pending (" + x.placed() + " placed): " + why);
                said[0] = why;
            }
        });
        if (done == null) {
            System.err.println("steward: not placed within " + Units.format(maxWait) + ": " + said[0]);
            return null;
        }
        if (done.state() == RequestState.CANCELLED) {
            throw new StewardException(409, null, "request " + r.id() + " was cancelled");
        }
        return done;
    }

    static Map<String, String> environment(RequestInfo r, List<AllocationInfo> allocs) {
        Map<String, String> env = new LinkedHashMap<>();
        AllocationInfo a = allocs.get(0);
        env.put("STEWARD_REQUEST_ID", r.id());
        env.put("STEWARD_ALLOC_ID", a.id());
        env.put("STEWARD_ALLOC_IDS", String.join(",", allocs.stream().map(AllocationInfo::id).toList()));
        env.put("STEWARD_AGENT", a.agentName());
        env.put("STEWARD_CPUS", Units.formatCpus(a.resources().cpuMillis()));
        env.put("STEWARD_MEMORY", Units.formatMib(a.resources().memoryMib()));
        a.ports().forEach((n, p) -> env.put("STEWARD_PORT_" + n.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_"), p.toString()));
        return env;
    }

    private List<Constraint> parseConstraints() {
        if (constraints == null) {
            return null;
        }
        List<Constraint> out = new ArrayList<>();
        for (String c : constraints) {
            if (c.equals("distinct")) {
                out.add(Constraint.distinct());
            } else if (c.contains("!=")) {
                out.add(new Constraint(c.substring(0, c.indexOf("!=")), "!=", c.substring(c.indexOf("!=") + 2), null));
            } else if (c.contains("~")) {
                out.add(new Constraint(c.substring(0, c.indexOf('~')), "regex", c.substring(c.indexOf('~') + 1), null));
            } else if (c.contains("=")) {
                out.add(new Constraint(c.substring(0, c.indexOf('=')), "=", c.substring(c.indexOf('=') + 1), null));
            } else {
                throw new CommandLine.ParameterException(spec.commandLine(), "--constraint '" + c + "' is not ATTR=VALUE, ATTR!=VALUE, ATTR~REGEX or distinct");
            }
        }
        return out;
    }

    /**
     * Releases the request once. Synchronized: when an interrupt's shutdown hook and the main
     * thread both get here, the second waits until the first is done, so the JVM does not halt
     * in the middle of the release.
     */
    static final class Release implements Runnable {
        private final StewardClient client;
        private final String request;
        private boolean done;

        Release(StewardClient client, String request) {
            this.client = client;
            this.request = request;
        }

        @Override
        public synchronized void run() {
            if (done) {
                return;
            }
            done = true;
            try {
                client.cancel(request);
                System.err.println("steward: released request " + request);
            } catch (IOException e) {
                System.err.println("steward: could not release request " + request + " (its lease ends by itself): " + e.getMessage());
            }
        }
    }

    /** The child process, so an interrupt can stop it before releasing what it used. */
    static final class ProcessHolder {
        private volatile Process process;

        int run(ProcessBuilder pb) throws IOException, InterruptedException {
            process = pb.start();
            return process.waitFor();
        }

        void kill() {
            Process p = process;
            if (p != null && p.isAlive()) {
                p.destroy();
                try {
                    if (!p.waitFor(5, TimeUnit.SECONDS)) {
                        p.destroyForcibly();
                    }
                } catch (InterruptedException e) {
                    p.destroyForcibly();
                }
            }
        }
    }
}
