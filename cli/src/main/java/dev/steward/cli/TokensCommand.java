package dev.steward.cli;

import dev.steward.api.TokenInfo;
import dev.steward.api.TokenIssued;
import dev.steward.api.Units;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code steward tokens}: the tokens the allocator issued, for the admin (as {@code nomad acl
 * token list/create/delete}). Listed by id, never by value; a new role token or join token
 * ({@code --join}, as {@code kubeadm token create}) is printed once, on stdout alone so a script
 * can take it; a revoked token is refused from the next call on.
 */
@Command(name = "tokens", mixinStandardHelpOptions = true,
        description = "List the tokens the allocator issued (by id, never their values; when each was last used and from where: a role or join token's kept to the hour, an agent's since the allocator started), "
                + "mint a role token or a join token, rotate a role's token, or revoke one (admin token).",
        subcommands = {TokensCommand.Create.class, TokensCommand.Rotate.class, TokensCommand.Revoke.class})
final class TokensCommand implements Callable<Integer> {
    @Option(names = "--role", description = "Only this role's tokens", converter = Name.class)
    String role;
    @Mixin
    Connection conn;

    @Override
    public Integer call() throws Exception {
        List<TokenInfo> ts = conn.client().tokens(role);
        if (conn.json()) {
            Output.json(ts);
            return 0;
        }
        Table table = Table.of("ID", "KIND", "ROLE / AGENT / USES", "CREATED", "EXPIRES", "LAST USED", "DESCRIPTION");
        java.time.Instant now = java.time.Instant.now();
        for (TokenInfo t : ts) {
            table.row(t.id(), t.kind(), forWhom(t), t.createdAt().toString().substring(0, 19),
                    expires(t, now), lastUsed(t, now), (t.description() == null ? "" : t.description()) + joinedNote(t, t.description() != null)
                            + (t.replacedBy() == null ? "" : (t.description() == null ? "" : "; ") + "rotated: token " + t.replacedBy() + " replaced it"));
        }
        table.print(System.out);
        return 0;
    }

    /**
     * For a join token that joined agents still known: which, and from where ("joined m1 from
     * 10.0.0.5, m2 from 10.0.0.9"), so an admin sees a leaked token's use; else "".
     */
    static String joinedNote(TokenInfo t, boolean afterText) {
        if (t.joined() == null || t.joined().isEmpty()) {
            return "";
        }
        StringBuilder b = new StringBuilder(afterText ? "; joined " : "joined ");
        for (int i = 0; i < t.joined().size(); i++) {
            TokenInfo.JoinedAgent a = t.joined().get(i);
            b.append(i == 0 ? "" : ", ").append(a.name()).append(a.from() == null ? "" : " from " + a.from());
        }
        return b.toString();
    }

    /** Whom a token acts for: its role or agent; for a join token, how many more agents it may join. */
    static String forWhom(TokenInfo t) {
        if (!"join".equals(t.kind())) {
            return t.subject();
        }
        return t.usesLeft() == null ? "any agents" : t.usesLeft() == 0 ? "used up" : Units.count(t.usesLeft(), "agent") + " more";
    }

    /**
     * When a token was last used, and from where ("2m5s ago from 10.0.0.5"), as the allocator has
     * seen since it started; "-" when not since.
     */
    static String lastUsed(TokenInfo t, java.time.Instant now) {
        if (t.lastUsedAt() == null) {
            return "-";
        }
        java.time.Duration ago = java.time.Duration.between(t.lastUsedAt(), now);
        String when = ago.getSeconds() < 1 ? "just now" : Units.format(java.time.Duration.ofSeconds(ago.getSeconds())) + " ago";
        return when + (t.lastUsedFrom() == null ? "" : " from " + t.lastUsedFrom());
    }

    /** When a token stops being accepted: "never" (until revoked), its time, or its time and "(expired)". */
    static String expires(TokenInfo t, java.time.Instant now) {
        if (t.expiresAt() == null) {
            return "never";
        }
        String at = t.expiresAt().toString().substring(0, 19);
        return now.isBefore(t.expiresAt()) ? at : at + " (expired)";
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Mint a token for ROLE, or with --join a join token for new agents, and print it (on stdout alone; its id goes to stderr). "
                    + "It is shown only this once.",
                    "A join token expires (24h unless --ttl says otherwise) and with --uses joins that many agents at most: give each new machine "
                    + "its own (steward agent --join-token-file), and a leaked one joins little, and not for long."})
    static final class Create implements Callable<Integer> {
        @Parameters(index = "0", arity = "0..1", description = "The role (not with --join)", converter = Name.class)
        String role;
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;
        @Option(names = "--join", description = "Mint a join token, with which new agents join the cluster, instead of a role's token")
        boolean join;
        @Option(names = "--uses", description = "With --join: how many agents it may join (1 to 100000). Default: any number until it expires")
        Integer uses;
        @Option(names = "--description", description = "What the token is for, e.g. 'jenkins controller' (at most 256 characters)")
        String description;
        @Option(names = "--ttl", description = "How long the token is accepted, e.g. 90d (1s to 3650d). Default: a role's, until it is revoked; "
                + "a join token's, 24h")
        String ttl;
        @Mixin
        Connection conn;

        @Override
        public Integer call() throws Exception {
            if (join) {
                if (role != null) {
                    throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                            "a join token is for no role: give --join or a ROLE, not both");
                }
                TokenIssued t = conn.client().createJoinToken(description, ttl, uses);
                if (conn.json()) {
                    Output.json(t);
                    return 0;
                }
                System.out.println(t.token());
                System.err.printf("a join token (id %s), shown only this once, accepted until %s%s; an agent joins with it through "
                                + "'steward agent --join-token-file FILE' (keep it 0600); revoke it with 'steward tokens revoke %s'%n", t.id(),
                        t.expiresAt().truncatedTo(java.time.temporal.ChronoUnit.SECONDS),
                        uses == null ? " by any number of agents" : " by " + Units.count(uses, "agent") + " at most", t.id());
                return 0;
            }
            if (role == null) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "give the ROLE to mint a token for, or --join for a join token");
            }
            if (uses != null) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--uses: counts a join token's agents; give it with --join");
            }
            TokenIssued t = conn.client().createToken(role, description, ttl);
            if (conn.json()) {
                Output.json(t);
                return 0;
            }
            System.out.println(t.token());
            System.err.printf("a token for role '%s' (id %s), shown only this once%s; revoke it with 'steward tokens revoke %s'%n", t.role(), t.id(),
                    t.expiresAt() == null ? "" : ", accepted until " + t.expiresAt(), t.id());
            return 0;
        }
    }

    @Command(name = "rotate", mixinStandardHelpOptions = true,
            description = {"Replace a role's token with a new one (same role, description and lifetime) and print it (on stdout alone). "
                    + "It is shown only this once.",
                    "The old token is refused from the next call, or with --grace stays accepted that much longer, so a CI system's stored "
                    + "credential can be swapped with no moment where neither works; a call with it afterwards is told which token replaced it."})
    static final class Rotate implements Callable<Integer> {
        @Parameters(index = "0", description = "The token's id (from 'steward tokens')")
        String id;
        @Option(names = "--grace", description = "How long the old token stays accepted beside the new one, e.g. 1h (0s to 30d). Default: 0s, "
                + "refused from now")
        String grace;
        @Mixin
        Connection conn;

        @Override
        public Integer call() throws Exception {
            dev.steward.api.TokenRotated t = conn.client().rotateToken(id, grace);
            if (conn.json()) {
                Output.json(t);
                return 0;
            }
            System.out.println(t.token());
            java.time.Instant now = java.time.Instant.now();
            System.err.printf("a new token for role '%s' (id %s), shown only this once%s; token %s %s%n", t.role(), t.id(),
                    t.expiresAt() == null ? "" : ", accepted until " + t.expiresAt().truncatedTo(java.time.temporal.ChronoUnit.SECONDS), t.replaced(),
                    now.isBefore(t.replacedUntil()) ? "stays accepted until " + t.replacedUntil().truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                            : "is refused from now on");
            return 0;
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true,
            description = "Revoke the token with this id (from 'steward tokens'): refused from the next call on. An agent's token revoked shuts that agent out.")
    static final class Revoke implements Callable<Integer> {
        @Parameters(index = "0", description = "The token's id")
        String id;
        @Mixin
        Connection conn;

        @Override
        public Integer call() throws Exception {
            TokenInfo t = conn.client().revokeToken(id);
            if (conn.json()) {
                Output.json(t);
                return 0;
            }
            System.out.printf("revoked token %s (%s '%s'%s): it is refused from now on%n", t.id(), t.kind(), t.subject(),
                    t.description() == null ? "" : ", " + t.description());
            return 0;
        }
    }
}
