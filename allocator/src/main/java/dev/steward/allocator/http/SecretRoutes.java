package dev.steward.allocator.http;

import dev.steward.allocator.auth.Principal.Kind;
import dev.steward.allocator.store.SecretKeys;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The keys that seal task and service secrets at rest: the admin rotates them ({@code steward secrets
 * rotate-key}). A new key becomes active (the keyring is written off the owner thread), every
 * task holding a secret and every service secret is written again sealed with it in one durable batch, and only then are
 * the older keys dropped. A crash in between leaves both keys in the keyring, so every record
 * still opens, and the next rotation drops them.
 */
final class SecretRoutes {
    private final Handlers h;
    private final SecretKeys keys;

    SecretRoutes(Handlers h, SecretKeys keys) {
        this.h = h;
        this.keys = keys;
    }

    List<Route> routes() {
        return List.of(new Route("POST", "/v1/secrets/rotate-key", EnumSet.of(Kind.ADMIN), c -> {
            String retiring = String.join(", ", keys.ids());
            String active;
            try {
                active = keys.rotate();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the secrets key file: " + e.getMessage(), e);
            }
            return h.engine.command((s, now) -> s.resealSecrets()).thenApply(n -> { // on a reply thread: one small file written, rarely
                try {
                    keys.retire(); // every record is sealed with the new key, durably: the old ones go
                } catch (IOException e) {
                    throw new UncheckedIOException("the secrets were sealed again, but the old keys could not be dropped: " + e.getMessage(), e);
                }
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("activeKey", active);
                out.put("retiredKeys", retiring);
                out.put("tasksResealed", n[0]);
                out.put("serviceSecretsResealed", n[1]);
                return ApiResponse.json(200, out);
            });
        }));
    }
}
