package dev.steward.allocator.deploy;

import dev.steward.allocator.state.ClusterState;
import dev.steward.allocator.state.Conflict;
import dev.steward.allocator.state.NotFound;
import dev.steward.api.DeploymentInfo;
import dev.steward.api.InstanceInfo;
import dev.steward.api.RevisionInfo;
import dev.steward.api.SecretInfo;
import dev.steward.api.Validation;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Service secrets: values a role keeps for one of its services (APP/ENV), which the service's
 * instances get as files when they start. Kept per role, so one role's secrets are never
 * another's, whoever owns the service's name; they outlive the service (a service deleted and
 * deployed again finds them). A deploy names the ones its instances get ({@code secrets}) and
 * records the version of each ({@link #versions}); an instance reads the values when its task
 * is made ({@link #values}). A secret that a revision which may run now uses cannot be deleted
 * ({@link #usedBy}). Part of {@link Services}, owned by the state's thread.
 */
public final class ServiceSecrets {
    private final ClusterState state;
    private final Services services;
    /** By id, which begins with the service: one service's secrets, every role's, are one range. */
    private final TreeMap<String, SecretRecord> secrets = new TreeMap<>();
    /** How many secrets each role keeps, for its bound. */
    private final Map<String, Integer> perRole = new java.util.HashMap<>();

    ServiceSecrets(ClusterState state, Services services) {
        this.state = state;
        this.services = services;
    }

    /** The id of role {@code role}'s secret {@code name} of service {@code service}: unique among every stored record's. */
    public static String id(String role, String service, String name) {
        return prefix(service) + role + ":" + name;
    }

    /** What the ids of every secret of {@code service} begin with (names of roles and secrets hold no ':'). */
    private static String prefix(String service) {
        return "secret:" + service + ":";
    }

    // ---------------------------------------------------------------- commands

    /**
     * Sets a secret: a new one (version 1), or a new version of one; the same value again changes
     * nothing. The 409 past the role's bound names the option.
     */
    public SecretInfo set(String role, String service, String name, String value, String who, Instant now) {
        Validation.secretName("name", name);
        Validation.secretValue("value", value);
        String id = id(role, service, name);
        SecretRecord old = secrets.get(id);
        if (old != null && old.value().equals(value)) {
            return info(old); // the same value again (a retried call): nothing changes, so no deploy sees a new version
        }
        if (old == null) {
            int bound = state.config().maxSecretsPerRole();
            int mine = perRole.getOrDefault(role, 0);
            if (mine >= bound) {
                throw new Conflict("role '" + role + "' keeps " + mine + " secrets, the most a role may keep (the allocator's --max-secrets-per-role is "
                        + bound + "); " + name + " of " + service + " was not set. Delete one first (steward secrets delete APP --env ENV NAME)");
            }
        }
        long index = state.nextIndex();
        SecretRecord r = old == null
                ? new SecretRecord(id, role, service, name, value, 1, now, now, who, index, index)
                : new SecretRecord(id, role, service, name, value, old.version() + 1, old.createdAt(), now, who, old.createIndex(), index);
        secrets.put(id, r);
        if (old == null) {
            perRole.merge(role, 1, Integer::sum);
        }
        state.changes().secrets.add(id);
        return info(r);
    }

    /** Deletes a secret: a 404 if the role has none of that name, a 409 naming the revisions while one that may run now uses it. */
    public SecretInfo delete(String role, String service, String name) {
        String id = id(role, service, name);
        SecretRecord r = secrets.get(id);
        if (r == null) {
            throw new NotFound("secret", service + " " + name);
        }
        List<Integer> used = usedBy(role, service, name);
        if (!used.isEmpty()) {
            throw new Conflict("secret " + name + " of " + service + " is used by revision" + (used.size() == 1 ? " " : "s ") + used.toString().replaceAll("[\\[\\]]", "")
                    + " (the one the service targets, its stable one, or one whose instances run): deploy without it first");
        }
        secrets.remove(id);
        perRole.merge(role, -1, Integer::sum);
        state.removed().add(id);
        return info(r);
    }

    /**
     * Marks every secret as changed without changing it, so the next write stores each again
     * sealed with the active key (after a key rotation). Wakes no one. Returns how many.
     */
    public int rewrite() {
        secrets.keySet().forEach(state.changes().secrets::add);
        return secrets.size();
    }

    public void restore(Collection<SecretRecord> rs) {
        rs.forEach(r -> {
            if (secrets.put(r.id(), r) == null) {
                perRole.merge(r.role(), 1, Integer::sum);
            }
        });
    }

    // ---------------------------------------------------------------- queries

    public SecretRecord recordOrNull(String id) {
        return secrets.get(id);
    }

    /** The secrets of {@code service}: role {@code role}'s, or every role's for null (the admin's view). */
    public List<SecretInfo> list(String role, String service) {
        List<SecretInfo> out = new ArrayList<>();
        String p = prefix(service);
        for (SecretRecord r : secrets.subMap(p, p + Character.MAX_VALUE).values()) {
            if (role == null || r.role().equals(role)) {
                out.add(info(r));
            }
        }
        return out;
    }

    /** The current version of each secret named: a 409 naming the ones role {@code role} has not set for {@code service}. */
    public Map<String, Integer> versions(String role, String service, Collection<String> names) {
        Map<String, Integer> out = new TreeMap<>();
        present(role, service, names).forEach(r -> out.put(r.name(), r.version()));
        return out;
    }

    /** The value of each secret named, for an instance's task: a 409 naming the ones not set. */
    public Map<String, String> values(String role, String service, Collection<String> names) {
        Map<String, String> out = new TreeMap<>();
        present(role, service, names).forEach(r -> out.put(r.name(), r.value()));
        return out;
    }

    /**
     * The revisions of role {@code role}'s service {@code service} that may run with secret
     * {@code name} now: the one it targets, its stable one (a rollback's), those queued, and those
     * whose instances have not ended. Empty when the service is not there or is another role's.
     */
    public List<Integer> usedBy(String role, String service, String name) {
        ServiceRecord s = services.recordOrNull(service);
        if (s == null || !s.role().equals(role)) {
            return List.of();
        }
        TreeSet<Integer> numbers = new TreeSet<>();
        numbers.add(s.revision());
        if (s.stable() != null) {
            numbers.add(s.stable());
        }
        if (s.deployment() != null) {
            DeploymentInfo d = services.deploymentRecord(s.deployment());
            if (d != null) {
                numbers.add(d.revision());
            }
        }
        for (String q : s.queued()) {
            DeploymentInfo d = services.deploymentRecord(q);
            if (d != null) {
                numbers.add(d.revision());
            }
        }
        for (InstanceInfo i : services.instancesOf(service)) {
            if (!i.state().terminal()) {
                numbers.add(i.revision());
            }
        }
        List<Integer> out = new ArrayList<>();
        for (int n : numbers) {
            RevisionInfo r = services.revisionRecord(Services.revisionId(service, n));
            if (r != null && r.spec().secrets() != null && r.spec().secrets().containsKey(name)) {
                out.add(n);
            }
        }
        return out;
    }

    private List<SecretRecord> present(String role, String service, Collection<String> names) {
        List<SecretRecord> found = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (String n : new TreeSet<>(names)) {
            SecretRecord r = secrets.get(id(role, service, n));
            if (r == null) {
                missing.add(n);
            } else {
                found.add(r);
            }
        }
        if (!missing.isEmpty()) {
            throw new Conflict((missing.size() == 1 ? "secret " + missing.get(0) + " is" : "secrets " + missing + " are") + " not set for " + service
                    + " (role '" + role + "'): set " + (missing.size() == 1 ? "it" : "them") + " first (steward secrets set " + service.replace("/", " --env ")
                    + " " + missing.get(0) + ")");
        }
        return found;
    }

    private SecretInfo info(SecretRecord r) {
        return new SecretInfo(r.service(), r.name(), r.role(), r.version(), r.createdAt(), r.updatedAt(), r.updatedBy(),
                usedBy(r.role(), r.service(), r.name()));
    }
}
