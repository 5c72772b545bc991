package dev.steward.allocator.http;

import dev.steward.allocator.auth.Principal.Kind;
import dev.steward.allocator.auth.Tokens;
import dev.steward.allocator.state.ClusterState;
import dev.steward.allocator.state.NotFound;
import dev.steward.allocator.state.RoleRecord;
import dev.steward.allocator.state.TokenRecord;
import dev.steward.api.ResourceAmounts;
import dev.steward.api.RoleInfo;
import dev.steward.api.RoleSpec;
import dev.steward.api.TokenIssued;
import dev.steward.api.TokenRequest;
import dev.steward.api.Validation;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/** Roles: create or change (admin), read, and mint role tokens (admin; listed and revoked in {@link TokenRoutes}). */
final class RoleRoutes {
    private final Handlers h;

    RoleRoutes(Handlers h) {
        this.h = h;
    }

    List<Route> routes() {
        Set<Kind> readers = EnumSet.of(Kind.ADMIN, Kind.ROLE);
        Set<Kind> admin = EnumSet.of(Kind.ADMIN);
        return List.of(
                new Route("GET", "/v1/roles", readers, c -> h.query(c, s -> s.roles().stream()
                        .filter(r -> c.principal().isAdmin() || r.name().equals(c.principal().subject()))
                        .map(r -> view(s, r)).toList())),
                new Route("GET", "/v1/roles/{name}", readers, c -> {
                    if (c.principal().kind() == Kind.ROLE && !c.principal().subject().equals(c.param("name"))) {
                        throw new NotFound("role", c.param("name")); // another role is not there for it, as in the list
                    }
                    return h.query(c, s -> view(s, s.role(c.param("name"))));
                }),
                new Route("PUT", "/v1/roles/{name}", admin, c -> {
                    String name = Validation.name("name", c.param("name"));
                    RoleSpec.Parsed spec = h.body(c, RoleSpec.class).parse();
                    RolePrecondition pre = RolePrecondition.of(c.request().header("If-Match"), c.request().header("If-None-Match"));
                    return h.command(200, (s, now) -> {
                        pre.check(name, s.roleOrNull(name)); // in the command: nothing can change the role between the check and the write
                        return view(s, s.putRole(name, spec));
                    });
                }),
                new Route("POST", "/v1/roles/{name}/tokens", admin, c -> {
                    TokenRequest tr = h.optionalBody(c, TokenRequest.class, new TokenRequest(null, null));
                    java.time.Duration ttl = tr.lifetime();
                    String token = Tokens.mint("str");
                    String hash = Tokens.hash(token);
                    return h.command(201, (s, now) -> {
                        s.role(c.param("name"));
                        java.time.Instant expires = ttl == null ? null : now.plus(ttl);
                        s.addToken(new TokenRecord(hash, TokenRecord.Kind.ROLE, c.param("name"), tr.description(), now, expires));
                        return new TokenIssued(c.param("name"), token, tr.description(), TokenRecord.idOf(hash), expires);
                    });
                }));
    }

    static RoleInfo view(ClusterState s, RoleRecord r) {
        return new RoleInfo(r.name(), r.weight(), ResourceAmounts.of(r.guarantee(), 0), ResourceAmounts.of(r.limit(), RoleSpec.UNLIMITED),
                s.sorter().allocation(r.name()), s.sorter().share(r.name()),
                s.pendingCount(r.name()), r.createIndex(), r.modifyIndex(), r.allowedUsers(), r.priorityCap());
    }
}
