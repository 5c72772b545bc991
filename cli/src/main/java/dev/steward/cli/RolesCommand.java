package dev.steward.cli;

import dev.steward.api.ResourceAmounts;
import dev.steward.api.RoleInfo;
import dev.steward.api.RoleSpec;
import dev.steward.client.RoleChange;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code steward roles}: the roles the token may see, and {@code roles set} to create one or
 * change what is given (admin): only the flags given change, the rest of the role stays.
 */
@Command(name = "roles", mixinStandardHelpOptions = true,
        description = "List roles (weight, guarantee, limit, what they hold), or create or change one with 'roles set' (admin token).",
        subcommands = RolesCommand.Set.class)
final class RolesCommand implements Callable<Integer> {
    @Mixin
    Connection conn;

    @Override
    public Integer call() throws Exception {
        List<RoleInfo> roles = conn.client().roles();
        if (conn.json()) {
            Output.json(roles);
            return 0;
        }
        Table t = Table.of("ROLE", "WEIGHT", "GUARANTEE", "LIMIT", "MAX-PRIORITY", "PENDING", "HOLDS");
        for (RoleInfo r : roles) {
            t.row(r.name(), r.weight(), amounts(r.guarantee(), "none"), amounts(r.limit(), "unlimited"), r.maxPriority(), r.pendingRequests(), r.allocated());
        }
        t.print(System.out);
        return 0;
    }

    static String amounts(ResourceAmounts a, String empty) {
        if (a == null) {
            return empty;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cpus", a.cpus());
        m.put("memory", a.memory());
        m.put("disk", a.disk());
        m.put("gpus", a.gpus());
        if (a.scalars() != null) {
            m.putAll(a.scalars());
        }
        StringBuilder b = new StringBuilder();
        m.forEach((k, v) -> {
            if (v != null) {
                b.append(b.length() == 0 ? "" : ",").append(k).append('=').append(v);
            }
        });
        return b.length() == 0 ? empty : b.toString();
    }

    /** "cpus=4,memory=16g,fpga=2" as amounts; "none" as no amounts at all. */
    static final class Amounts implements CommandLine.ITypeConverter<ResourceAmounts> {
        static final ResourceAmounts NONE = new ResourceAmounts(null, null, null, null, null);

        @Override
        public ResourceAmounts convert(String value) {
            if (value.equals("none")) {
                return NONE;
            }
            String cpus = null;
            String memory = null;
            String disk = null;
            String gpus = null;
            Map<String, Long> scalars = new LinkedHashMap<>();
            for (String part : value.split(",")) {
                String[] kv = part.trim().split("=", 2);
                if (kv.length != 2 || kv[0].isBlank() || kv[1].isBlank()) {
                    throw new CommandLine.TypeConversionException("'" + part.trim() + "' is not NAME=AMOUNT (e.g. cpus=4,memory=16g,gpus=1,fpga=2; or none)");
                }
                String k = kv[0].trim();
                String v = kv[1].trim();
                switch (k) {
                    case "cpus" -> cpus = v;
                    case "memory" -> memory = v;
                    case "disk" -> disk = v;
                    case "gpus" -> gpus = v;
                    default -> {
                        try {
                            scalars.put(k, Long.parseLong(v));
                        } catch (NumberFormatException e) {
                            throw new CommandLine.TypeConversionException("'" + k + "' is a named resource: its amount is a whole number, not '" + v + "'");
                        }
                    }
                }
            }
            return new ResourceAmounts(cpus, memory, disk, gpus, scalars.isEmpty() ? null : scalars);
        }
    }

    @Command(name = "set", mixinStandardHelpOptions = true,
            description = "Create ROLE, or change what is given of it; what is not given stays as it is (a new role: weight 1, no guarantee, no limit).")
    static final class Set implements Callable<Integer> {
        @Parameters(index = "0", description = "The role", converter = Name.class)
        String name;
        @Option(names = "--weight", description = "Its weight in the fair share (above 0)")
        Double weight;
        @Option(names = "--guarantee", description = "What it is given before fair sharing, e.g. cpus=4,memory=16g; none for nothing",
                converter = Amounts.class)
        ResourceAmounts guarantee;
        @Option(names = "--limit", description = "The most it may hold, e.g. cpus=12,memory=48g,gpus=2; none for no limit", converter = Amounts.class)
        ResourceAmounts limit;
        @Option(names = "--users", description = "The system users its tasks may run as, comma-separated; none for the agent's own rules")
        String users;
        @Option(names = "--max-priority", description = "0-1000: the highest priority its requests and services may ask at (a priority preempts "
                + "other roles' preemptible allocations below it). A new role: 1000")
        Integer maxPriority;
        @Mixin
        Connection conn;

        @Override
        public Integer call() throws Exception {
            // what is given, on the role as it is: written only if no one changed it since it was read, else read and made again
            RoleChange.Result changed = conn.client().changeRole(name, this::spec);
            RoleInfo old = changed.before();
            RoleInfo r = changed.after();
            if (conn.json()) {
                Output.json(r);
                return 0;
            }
            System.out.printf("role %s %s: weight %s, guarantee %s, limit %s%s%s%n", r.name(), old == null ? "created" : "changed", r.weight(),
                    amounts(r.guarantee(), "none"), amounts(r.limit(), "unlimited"),
                    r.users() == null || r.users().isEmpty() ? "" : ", users " + String.join(",", r.users()),
                    r.maxPriority() < dev.steward.api.Limits.MAX_PRIORITY ? ", priority at most " + r.maxPriority() : "");
            String over = overLimit(r);
            if (over != null) {
                System.err.println("steward roles set: role " + r.name() + " holds " + over + ": what runs keeps running, and nothing more is "
                        + "placed for it (its services' replacements included) until it holds less; a deploy that alone needs more is refused");
            }
            return 0;
        }

        /** The first resource role {@code r} holds above its limit, as {@code cpus=2, above its limit of 1.5}, or null (the allocator's own check). */
        static String overLimit(RoleInfo r) {
            if (r.limit() == null || r.allocated() == null) {
                return null;
            }
            dev.steward.allocator.state.Quotas.Excess e = dev.steward.allocator.state.Quotas.aboveLimit(new dev.steward.allocator.state.RoleRecord(r.name(),
                    r.weight(), dev.steward.api.Resources.ZERO, r.limit().parse(RoleSpec.NO_LIMIT), 0, 0, List.of()), r.allocated());
            return e == null ? null : e.resource() + "=" + e.asked() + ", above its limit of " + e.limit();
        }

        /** {@code old} (null: a new role) with what the flags give in place of its fields. */
        private RoleSpec spec(RoleInfo old) {
            return new RoleSpec(weight != null ? weight : old == null ? 1.0 : old.weight(),
                    guarantee != null ? nullIfNone(guarantee) : old == null ? null : old.guarantee(),
                    limit != null ? nullIfNone(limit) : old == null ? null : old.limit(),
                    users != null ? (users.equals("none") ? List.of() : Arrays.stream(users.split(",")).map(String::trim).toList())
                            : old == null || old.users() == null ? List.of() : old.users(),
                    maxPriority != null ? maxPriority : old == null ? null : Integer.valueOf(old.maxPriority()));
        }

        private static ResourceAmounts nullIfNone(ResourceAmounts a) {
            return a == Amounts.NONE ? null : a;
        }
    }
}
