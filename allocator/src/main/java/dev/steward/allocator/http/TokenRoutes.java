package dev.steward.allocator.http;

import dev.steward.allocator.auth.Principal.Kind;
import dev.steward.allocator.state.TokenRecord;
import dev.steward.api.TokenInfo;

import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The tokens the allocator issued (role tokens, agents' tokens, join tokens), for the admin:
 * listed by id, never shown again, and revoked. A revoked token is refused from the next call on.
 * Join tokens are minted here: each expires (24 hours unless asked otherwise), and may be good for
 * a number of agents only, which each join uses up in the same durable command. A role's token is
 * rotated here too ({@link dev.steward.allocator.state.TokenRotation}).
 */
final class TokenRoutes {
    private final Handlers h;
    private final dev.steward.allocator.auth.TokenUse use;

    TokenRoutes(Handlers h, dev.steward.allocator.auth.TokenUse use) {
        this.h = h;
        this.use = use;
    }

    List<Route> routes() {
        Set<Kind> admin = EnumSet.of(Kind.ADMIN);
        return List.of(
                new Route("GET", "/v1/tokens", admin, c -> {
                    String role = c.request().param("role");
                    return h.query(c, s -> {
                        java.util.Map<String, List<TokenInfo.JoinedAgent>> joined = joinedBy(s);
                        use.retainOnly(s.tokens().stream().map(TokenRecord::hash).collect(java.util.stream.Collectors.toSet())); // gone tokens' uses go
                        return s.tokens().stream()
                                .filter(t -> role == null || (t.kind() == TokenRecord.Kind.ROLE && t.subject().equals(role)))
                                .sorted(Comparator.comparing(TokenRecord::createdAt).thenComparing(TokenRecord::hash))
                                .map(t -> view(t, joined, TokenUseKeeper.last(t, use.last(t.hash())))).toList();
                    });
                }),
                new Route("POST", "/v1/join-tokens", admin, c -> {
                    dev.steward.api.JoinTokenRequest jr = h.optionalBody(c, dev.steward.api.JoinTokenRequest.class,
                            new dev.steward.api.JoinTokenRequest(null, null, null));
                    java.time.Duration ttl = jr.lifetime();
                    Integer uses = jr.checkedUses();
                    String token = dev.steward.allocator.auth.Tokens.mint("stj");
                    String hash = dev.steward.allocator.auth.Tokens.hash(token);
                    return h.command(201, (s, now) -> {
                        TokenRecord t = new TokenRecord(hash, TokenRecord.Kind.JOIN, TokenRecord.idOf(hash), jr.description(), now, now.plus(ttl), uses);
                        s.addToken(t);
                        return new dev.steward.api.TokenIssued(null, token, jr.description(), TokenRecord.idOf(hash), t.expiresAt());
                    });
                }),
                new Route("POST", "/v1/tokens/{id}/rotate", admin, c -> {
                    java.time.Duration grace = h.optionalBody(c, dev.steward.api.TokenRotateRequest.class,
                            new dev.steward.api.TokenRotateRequest(null)).graceDuration();
                    String token = dev.steward.allocator.auth.Tokens.mint("str");
                    String hash = dev.steward.allocator.auth.Tokens.hash(token);
                    return h.command(201, (s, now) -> {
                        TokenRecord[] oldAndNew = s.rotateToken(c.param("id"), hash, grace, now);
                        TokenRecord fresh = oldAndNew[1];
                        return new dev.steward.api.TokenRotated(fresh.subject(), token, fresh.description(), TokenRecord.idOf(hash), fresh.expiresAt(),
                                TokenRecord.idOf(oldAndNew[0].hash()), oldAndNew[0].expiresAt());
                    });
                }),
                new Route("DELETE", "/v1/tokens/{id}", admin, c -> {
                    String id = c.param("id");
                    return h.command(200, (s, now) -> {
                        TokenRecord gone = s.revokeToken(id);
                        return view(gone, gone.kind() == TokenRecord.Kind.JOIN ? joinedBy(s) : java.util.Map.of(),
                                TokenUseKeeper.last(gone, use.last(gone.hash()))); // agents scanned for a join token only
                    });
                }));
    }

    static TokenInfo view(TokenRecord t, java.util.Map<String, List<TokenInfo.JoinedAgent>> joined, dev.steward.allocator.auth.TokenUse.Use last) {
        return new TokenInfo(TokenRecord.idOf(t.hash()), t.kind().name().toLowerCase(java.util.Locale.ROOT), t.subject(), t.description(), t.createdAt(),
                t.expiresAt(), t.usesLeft(), t.kind() == TokenRecord.Kind.JOIN ? joined.getOrDefault(t.subject(), List.of()) : null,
                last == null ? null : last.at(), last == null ? null : last.from(), t.replacedBy());
    }

    /** The agents known now that joined with a minted join token, by that token's id, each with where its join came from. */
    private static java.util.Map<String, List<TokenInfo.JoinedAgent>> joinedBy(dev.steward.allocator.state.ClusterState s) {
        java.util.Map<String, List<TokenInfo.JoinedAgent>> by = new java.util.HashMap<>();
        for (dev.steward.api.AgentInfo a : s.agents()) {
            if (a.joined() != null && a.joined().joinToken() != null) {
                by.computeIfAbsent(a.joined().joinToken(), k -> new java.util.ArrayList<>()).add(new TokenInfo.JoinedAgent(a.id(), a.name(), a.joined().from()));
            }
        }
        by.values().forEach(l -> l.sort(Comparator.comparing(TokenInfo.JoinedAgent::name)));
        return by;
    }
}
