package dev.steward.cli;

import dev.steward.api.AllocationInfo;
import dev.steward.api.HistoryEvent;
import dev.steward.api.TaskInfo;
import dev.steward.api.Units;
import dev.steward.client.StewardClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * {@code steward allocations}: what the token's role holds (all for the admin), where, and until
 * when, as {@code nomad alloc status} shows it: the live ones by default, ended ones too with
 * {@code --all}; {@code show ID}, one with its history and its tasks; {@code release ID...},
 * give some back (their tasks are stopped). The dashboard's Allocations page, on a terminal.
 */
@Command(name = "allocations", mixinStandardHelpOptions = true, sortOptions = false,
        description = "List the allocations the token's role holds (all for the admin): where, what, until when; show one with its history and tasks; "
                + "or release some.",
        subcommands = {AllocationsCommand.Show.class, AllocationsCommand.Release.class})
final class AllocationsCommand implements Callable<Integer> {
    @Option(names = "--all", description = "Ended allocations too (released, expired, preempted, lost), as long as the allocator keeps them")
    boolean all;
    @Option(names = "--role", description = "Only this role's", converter = Name.class)
    String role;
    @Option(names = "--agent", description = "Only those on this agent (its name or id)")
    String agent;
    @Mixin
    Connection conn;

    @Override
    public Integer call() throws Exception {
        List<AllocationInfo> shown = new ArrayList<>();
        for (AllocationInfo a : fetch(conn.client())) {
            if (all || !a.state().terminal()) {
                shown.add(a);
            }
        }
        shown.sort(Comparator.comparing((AllocationInfo a) -> a.state().terminal()).thenComparing(AllocationInfo::createdAt, Comparator.reverseOrder()));
        if (conn.json()) {
            Output.json(shown);
            return 0;
        }
        if (shown.isEmpty()) {
            System.out.println(all ? "No allocations." : "No live allocations" + (role != null || agent != null ? " match." : ".")
                    + " Ended ones too: steward allocations --all");
            return 0;
        }
        Instant now = Instant.now();
        Table t = Table.of("ALLOCATION", "NAME", "ROLE", "AGENT", "HOLDS", "PRIORITY", "STATE", "LEASE");
        for (AllocationInfo a : shown) {
            t.row(a.id(), a.name(), a.role(), a.agentName(), holds(a), a.priority() + (a.preemptible() ? " (p)" : ""), a.state().name().toLowerCase(),
                    lease(a, now));
        }
        t.print(System.out);
        if (shown.stream().anyMatch(AllocationInfo::preemptible)) {
            System.out.println("(p): preemptible, a request of a higher priority may take its room");
        }
        return 0;
    }

    /**
     * The allocations asked for, filtered by the allocator: by role, and by the agent named (its
     * name or id). An agent no longer known (forgotten since) is matched by the name and id its
     * allocations kept; where none has them, the error says no such agent is known.
     */
    private List<AllocationInfo> fetch(StewardClient c) throws java.io.IOException {
        if (agent == null) {
            return c.allocations(role, null);
        }
        try {
            return c.allocations(role, AgentsCommand.find(c, agent).id());
        } catch (IllegalArgumentException unknown) {
            List<AllocationInfo> kept = c.allocations(role, null).stream()
                    .filter(a -> agent.equals(a.agentId()) || agent.equals(a.agentName())).toList();
            if (kept.isEmpty()) {
                throw unknown;
            }
            return kept;
        }
    }

    /** What it holds, with its ports: {@code cpus=0.5 memory=128m http:20001}. */
    static String holds(AllocationInfo a) {
        String ports = a.ports() == null || a.ports().isEmpty() ? ""
                : " " + a.ports().entrySet().stream().map(e -> e.getKey() + ":" + e.getValue()).collect(Collectors.joining(" "));
        String gpus = a.gpuIndexes() == null || a.gpuIndexes().isEmpty() ? ""
                : " gpu" + (a.gpuIndexes().size() == 1 ? " " : "s ") + a.gpuIndexes().stream().map(String::valueOf).collect(Collectors.joining(","));
        return a.resources() + gpus + ports;
    }

    /** When a live one's lease ends ({@code in 9m}, {@code ended 5s ago}: its holder stopped renewing), or nothing for an ended one. */
    static String lease(AllocationInfo a, Instant now) {
        if (a.state().terminal() || a.expiresAt() == null) {
            return "";
        }
        Duration left = Duration.between(now, a.expiresAt()).withNanos(0);
        return left.isNegative() ? "ended " + Units.format(left.negated()) + " ago" : "in " + Units.format(left);
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "One allocation: where, what, its lease, why it is in its state, "
            + "its history and its tasks.")
    static final class Show implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "ID", description = "The allocation's id")
        String id;
        @Mixin
        Connection conn;

        @Override
        public Integer call() throws Exception {
            StewardClient c = conn.client();
            AllocationInfo a = c.allocation(id);
            List<TaskInfo> tasks = c.tasksOf(id);
            if (conn.json()) {
                Output.json(Map.of("allocation", a, "tasks", tasks));
                return 0;
            }
            Instant now = Instant.now();
            System.out.printf("allocation %s%s of role %s: %s%n", a.id(), a.name() == null ? "" : " (" + a.name() + ")", a.role(), a.state().name().toLowerCase());
            System.out.printf("  agent:    %s (%s)%s%n", a.agentName(), a.agentId(), a.host() == null ? "" : ", at " + a.host());
            System.out.printf("  holds:    %s%n", holds(a));
            System.out.printf("  priority: %d%s%n", a.priority(), a.preemptible() ? ", preemptible" : "");
            if (!a.state().terminal()) {
                System.out.printf("  lease:    ends %s (%s)%n", a.expiresAt(), lease(a, now));
            }
            System.out.printf("  request:  %s%n", a.requestId());
            if (a.reason() != null) {
                System.out.printf("  why:      %s%n", a.reason());
            }
            System.out.println("\nHISTORY");
            for (HistoryEvent e : a.history()) {
                System.out.printf("  %s %-10s %s%n", e.at(), e.event().toLowerCase(), e.message() == null ? "" : e.message());
            }
            System.out.println("\nTASKS");
            if (tasks.isEmpty()) {
                System.out.println("  none: nothing has been started in it");
                return 0;
            }
            Table table = Table.indented("  ", "TASK", "NAME", "STATE", "EXIT", "RESTARTS", "WHY");
            for (TaskInfo t : tasks) {
                table.row(t.id(), t.spec() == null ? "" : t.spec().name(), t.state().name().toLowerCase(), t.exitCode(), t.restarts(), t.reason());
            }
            table.print(System.out);
            System.out.printf("%nA task's output: steward logs %s%s%n", a.id(), tasks.size() > 1 ? " --task NAME" : "");
            return 0;
        }
    }

    @Command(name = "release", mixinStandardHelpOptions = true,
            description = "Release allocations: their tasks are stopped and their room given back. Idempotent: an ended one is left as it is.")
    static final class Release implements Callable<Integer> {
        @Parameters(arity = "1..*", paramLabel = "ID", description = "The allocations' ids")
        List<String> ids;
        @Mixin
        Connection conn;

        @Override
        public Integer call() throws Exception {
            StewardClient c = conn.client();
            return Deletions.each("steward allocations release", ids, false, conn.json(), id -> {
                AllocationInfo before = c.allocation(id);
                AllocationInfo a = c.release(id);
                return new Deletions.Done(a, before.state().terminal()
                        ? "allocation " + a.id() + " (" + a.role() + ") had ended already: " + a.state().name().toLowerCase() + (a.reason() == null ? "" : ", " + a.reason())
                        : "released allocation " + a.id() + " (" + a.role() + ") on " + a.agentName() + ": its tasks are stopped and its room given back");
            }, null);
        }
    }
}
