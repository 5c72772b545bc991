package dev.steward.cli;

import dev.steward.api.Digests;
import dev.steward.api.PackageInfo;
import dev.steward.api.Units;
import dev.steward.client.StewardClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code steward packages}: the packages the token's role holds (all of them for the admin), with
 * their sizes and whether something runs them, and the total against the role's share of the
 * store; {@code steward packages delete DIGEST...} lets go of some. The way out of a role's bound
 * on package bytes.
 */
@Command(name = "packages", mixinStandardHelpOptions = true,
        description = "List the packages the token's role holds (all for the admin) and their total, or let go of some.",
        subcommands = PackagesCommand.Delete.class)
final class PackagesCommand implements Callable<Integer> {
    @Mixin
    Connection conn;

    @Override
    public Integer call() throws Exception {
        List<PackageInfo> ps = conn.client().packages().list();
        if (conn.json()) {
            Output.json(ps);
            return 0;
        }
        Table t = Table.of("PACKAGE", "NAME", "VERSION", "SIZE", "IN USE", "LAST USED").alignRight(3);
        long total = 0;
        for (PackageInfo p : ps) {
            total += p.size();
            t.row(Digests.shortForm(p.digest()), p.manifest() == null ? "" : p.manifest().name(),
                    p.manifest() == null || p.manifest().version() == null ? "" : p.manifest().version(), PackageCommand.bytes(p.size()), p.referenced() ? "yes" : "no",
                    p.lastUsedAt().toString().substring(0, 19));
        }
        t.print(System.out);
        System.out.println(Units.count(ps.size(), "package") + ", " + PackageCommand.bytes(total) + " (a role's share of the store is the allocator's "
                + "--max-package-bytes-per-role; let go of one with 'steward packages delete DIGEST')");
        return 0;
    }

    @Command(name = "delete", mixinStandardHelpOptions = true,
            description = "Let go of packages: a role drops its hold (the file goes once no role holds it), the admin removes them. "
                    + "Refused while a service or task runs one.")
    static final class Delete implements Callable<Integer> {
        @Parameters(arity = "1..*", description = "The packages' digests (sha256:...)")
        List<String> digests;
        @Option(names = "--missing-ok", description = "A package this role does not hold (or that is gone) is nothing to do, for cleanups that may run twice")
        boolean missingOk;
        @Mixin
        Connection conn;

        @Override
        public Integer call() throws Exception {
            StewardClient c = conn.client();
            return Deletions.each("steward packages delete", digests, missingOk, conn.json(), d -> {
                boolean removed = c.packages().delete(Digests.check("digest", d));
                return new Deletions.Done(Map.of("digest", d, "removed", removed), "let go of " + d + (removed ? "; its file is removed"
                        : "; another role still holds it"));
            }, d -> new Deletions.Done(Map.of("digest", d, "removed", false, "missing", true), "nothing to let go of: this role does not hold " + d));
        }
    }
}
