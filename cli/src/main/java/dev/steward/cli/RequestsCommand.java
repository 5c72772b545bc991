package dev.steward.cli;

import dev.steward.api.RequestInfo;
import dev.steward.client.StewardClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code steward requests}: the requests for allocations the token may see (a role's own, or all
 * for the admin), and cancelling some: what is pending is dropped and what they hold is
 * released. The way out of a role's bound on pending requests. LIVE counts a request's
 * allocations that have not ended: a request stays placed once what it was given has ended, until
 * it is forgotten with them.
 */
@Command(name = "requests", mixinStandardHelpOptions = true,
        description = "List requests for allocations (the token's role's, or all for the admin), or cancel some.",
        subcommands = RequestsCommand.Cancel.class)
final class RequestsCommand implements Callable<Integer> {
    /** The states a request can be listed by. */
    enum State { pending, placed, cancelled }

    @Option(names = "--state", description = "pending, placed or cancelled. Default: all")
    State state;
    @Option(names = "--role", description = "Only this role's requests", converter = Name.class)
    String role;
    @Mixin
    Connection conn;

    @Override
    public Integer call() throws Exception {
        List<RequestInfo> rs = new ArrayList<>();
        for (RequestInfo r : conn.client().requests(state == null ? null : state.name())) {
            if (role == null || r.role().equals(role)) {
                rs.add(r);
            }
        }
        if (conn.json()) {
            Output.json(rs);
            return 0;
        }
        java.util.Set<String> live = new java.util.HashSet<>(); // a request stays placed after what it was given ended: say what still runs
        if (rs.stream().anyMatch(r -> !r.allocations().isEmpty())) {
            conn.client().allocations().forEach(a -> {
                if (!a.state().terminal()) {
                    live.add(a.id());
                }
            });
        }
        Table t = Table.of("REQUEST", "ROLE", "STATE", "PLACED", "LIVE", "CREATED", "WHY PENDING");
        for (RequestInfo r : rs) {
            int count = r.request().count() == null ? 1 : r.request().count();
            t.row(r.id(), r.role(), r.state().name().toLowerCase(), r.placed() + "/" + count,
                    r.allocations().stream().filter(live::contains).count(),
                    r.createdAt().toString().substring(0, 19), r.state() != dev.steward.api.RequestState.PENDING ? "" : r.why() == null ? "not evaluated yet"
                            : r.why().summary());
        }
        t.print(System.out);
        return 0;
    }

    @Command(name = "cancel", mixinStandardHelpOptions = true,
            description = "Cancel requests: what is pending is dropped, and the allocations they hold are released. Idempotent.")
    static final class Cancel implements Callable<Integer> {
        @Parameters(arity = "1..*", description = "The requests' ids")
        List<String> ids;
        @Mixin
        Connection conn;

        @Override
        public Integer call() throws Exception {
            StewardClient c = conn.client();
            return Deletions.each("steward requests cancel", ids, false, conn.json(), id -> {
                RequestInfo r = c.cancel(id);
                return new Deletions.Done(r, "cancelled request " + r.id() + " (" + r.role() + "): nothing more will be placed for it, and what it held is released");
            }, null);
        }
    }
}
