package dev.steward.cli;

import dev.steward.api.AllocateRequest;
import dev.steward.api.ArgForms;
import dev.steward.api.Units;
import dev.steward.api.ValidationException;
import dev.steward.client.StewardClient;
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
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * {@code steward allocate [--cpus ...] -- CMD...}: acquires allocations, runs CMD here with them in
 * its environment ({@code STEWARD_ALLOC_ID}, {@code STEWARD_PORT_<NAME>}, ...), renews the lease
 * while it runs, and always releases them: on success, failure and interruption. Exits with CMD's
 * code (130 when interrupted; 4 when an allocation ended under it, lost with its agent or
 * preempted, and it was stopped for that). The flags are the {@code allocate} step's arguments.
 */
@Command(name = "allocate", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Acquire allocations, run CMD with them in its environment, always release. Exit codes: CMD's; 1 error; 2 usage; "
                + "3 not placed within --wait; 4 an allocation ended under CMD (lost with its agent, preempted, expired), which was stopped; "
                + "130 interrupted.")
final class AllocateCommand implements Callable<Integer> {
    /** The exit code when an allocation ended under CMD and CMD was stopped for it. */
    static final int ENDED = 4;

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
    @Option(names = "--gpu-model", description = "Allowed GPU models: V100M16|V100M32")
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
    @Option(names = "--constraints", description = "ATTR=VALUE, ATTR!=VALUE, ATTR~REGEX, 'ATTR in A,B', distinct or 'distinct ATTR' (repeatable)")
    List<String> constraints;
    @Option(names = "--scalars", description = "Scalar resources NAME=COUNT, e.g. fpga=1 (repeatable)")
    List<String> scalars;
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
        AllocateRequest req;
        Duration maxWait;
        try {
            req = new AllocateRequest(role, name, count, cpus, memory, disk, gpus, gpuModel, ports, ArgForms.scalars("scalars", scalars),
                    ArgForms.constraints("constraints", constraints), placement, priority, preemptible, gang, ttl);
            req.parseNew();
            maxWait = Units.duration("--wait", wait);
        } catch (ValidationException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--" + e.getMessage());
        }
        StewardClient c = conn.client();
        dev.steward.steps.StepListener err = line -> System.err.println(line);
        dev.steward.steps.AllocateSession session = dev.steward.steps.AllocateSession.start(c, req, err)
                .releasingWith(conn.boundedClient(Duration.ofSeconds(10))); // Ctrl-C must not hang on an unreachable allocator
        ProcessHolder child = new ProcessHolder();
        Thread hook = new Thread(() -> {
            child.kill();
            session.release("interrupted");
        }, "steward-release");
        Runtime.getRuntime().addShutdownHook(hook);
        ScheduledExecutorService renewer = Executors.newSingleThreadScheduledExecutor(t -> {
            Thread th = new Thread(t, "steward-renew");
            th.setDaemon(true);
            return th;
        });
        try {
            if (!session.awaitPlacement(maxWait)) {
                session.release("not placed");
                return 3;
            }
            session.startRenewing(renewer);
            session.watchEnds(renewer, java.time.Clock.systemUTC(), lost -> child.kill()); // what CMD runs on is gone: stop it
            ProcessBuilder pb = new ProcessBuilder(command).inheritIO();
            pb.environment().putAll(session.environment());
            int code = child.run(pb);
            if (session.anEnded()) {
                session.release("an allocation ended under the command; it was stopped (exit code " + code + ")");
                code = ENDED;
            } else {
                session.release("exit code " + code);
            }
            if (conn.json()) {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("request", session.requestId());
                out.put("allocations", session.allocations());
                out.put("exitCode", code);
                Output.json(out);
            }
            return code;
        } finally {
            renewer.shutdownNow();
            session.release("done");
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // shutting down already: the hook runs
            }
        }
    }


    /**
     * The child process, so an interrupt, or an allocation that ends under it, can stop it before
     * what it used is released: SIGTERM to it and every process it started, SIGKILL to those left
     * after 5 s. A stop asked before it started stops it as soon as it has.
     */
    static final class ProcessHolder {
        private volatile Process process;
        private volatile boolean stopped;

        int run(ProcessBuilder pb) throws IOException, InterruptedException {
            process = pb.start();
            if (stopped) {
                kill();
            }
            return process.waitFor();
        }

        void kill() {
            stopped = true;
            Process p = process;
            if (p != null && p.isAlive()) {
                List<ProcessHandle> all = new ArrayList<>(p.descendants().toList());
                all.add(p.toHandle());
                all.forEach(ProcessHandle::destroy);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                for (ProcessHandle h : all) {
                    try {
                        h.onExit().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        break;
                    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                        // still running: killed below
                    }
                }
                all.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
            }
        }
    }
}
