package dev.steward.allocator.http;

import dev.steward.allocator.auth.Principal.Kind;
import dev.steward.allocator.state.TokenRecord;
import dev.steward.api.TokenInfo;

import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * The tokens the allocator issued (role tokens, agents' tokens), for the admin: listed by id,
 * never shown again, and revoked. A revoked token is refused from the next call on.
 */
final class TokenRoutes {
    private final Handlers h;

    TokenRoutes(Handlers h) {
        this.h = h;
    }

    List<Route> routes() {
        Set<Kind> admin = EnumSet.of(Kind.ADMIN);
        return List.of(
                new Route("GET", "/v1/tokens", admin, c -> {
                    String role = c.request().param("role");
                    return h.query(c, s -> s.tokens().stream()
                            .filter(t -> role == null || (t.kind() == TokenRecord.Kind.ROLE && t.subject().equals(role)))
                            .sorted(Comparator.comparing(TokenRecord::createdAt).thenComparing(TokenRecord::hash))
                            .map(TokenRoutes::view).toList());
                }),
                new Route("DELETE", "/v1/tokens/{id}", admin, c -> {
                    String id = c.param("id");
                    return h.command(200, (s, now) -> view(s.revokeToken(id)));
                }));
    }

    static TokenInfo view(TokenRecord t) {
        return new TokenInfo(TokenRecord.idOf(t.hash()), t.kind() == TokenRecord.Kind.ROLE ? "role" : "agent", t.subject(), t.description(), t.createdAt(),
                t.expiresAt());
    }
}
