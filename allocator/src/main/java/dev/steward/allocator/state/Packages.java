package dev.steward.allocator.state;

import dev.steward.api.PackageInfo;
import dev.steward.api.PackageManifest;
import dev.steward.api.RevisionInfo;
import dev.steward.api.TaskInfo;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The packages the allocator stores, by digest: size, manifest, use times and the roles that may
 * read and run each. The bytes live in the package store on disk, once for every role (content
 * addressed); a row here is written only after its file is complete and verified, so a package
 * the state knows is one that can be downloaded. A role reaches a package only once it has sent
 * its bytes itself or run it (a deploy or a task the admin made for it): to any other role it is
 * not there, with the same answer as a digest never uploaded, so a digest cannot be probed.
 * Part of {@link ClusterState}, owned by the same thread.
 */
public final class Packages {
    private final ClusterState state;
    private final Map<String, PackageInfo> byDigest = new TreeMap<>();

    Packages(ClusterState state) {
        this.state = state;
    }

    /**
     * Records a verified upload by {@code role} (null: the admin's, which gives no role the package);
     * uploading a stored package again refreshes its last use and gives it to the role that sent
     * its bytes (the upload proves the role has them).
     */
    public PackageInfo add(String digest, long size, PackageManifest manifest, int files, long expandedBytes, String role, Instant now) {
        PackageInfo old = byDigest.get(digest);
        PackageInfo p = old == null
                ? new PackageInfo(digest, size, manifest, files, expandedBytes, now, now, false, role == null ? List.of() : List.of(role),
                        state.nextIndex(), state.nextIndex())
                : touched(old, role, now);
        put(p);
        return view(p, referenced());
    }

    /**
     * Refuses {@code role} a package it may not run, with the words {@link #stored} uses for one
     * never uploaded: whether another role has it is not for this one to learn.
     */
    public void requireOwned(String digest, String role) {
        PackageInfo p = byDigest.get(digest);
        if (p == null || !p.ownedBy(role)) {
            throw notStored(digest);
        }
    }

    /** Whether agent {@code agentId} runs, or ran, a task that names {@code digest}: the packages an agent may download. */
    public boolean namedOn(String agentId, String digest) {
        for (TaskInfo t : state.tasks().ofAgent(agentId)) {
            if (digest.equals(t.spec().packageDigest())) {
                return true;
            }
        }
        return false;
    }

    public PackageInfo get(String digest) {
        PackageInfo p = byDigest.get(digest);
        if (p == null) {
            throw new NotFound("package", digest);
        }
        return view(p, referenced());
    }

    public PackageInfo getOrNull(String digest) {
        return byDigest.get(digest);
    }

    /**
     * The manifest of the stored package a task or service names, changing nothing; a clear
     * conflict if it is not stored. A command checks with this, and calls {@link #use} once
     * nothing can refuse it any more: a refused command must leave no trace.
     */
    public PackageManifest stored(String digest) {
        PackageInfo p = byDigest.get(digest);
        if (p == null) {
            throw notStored(digest);
        }
        return p.manifest();
    }

    private static Conflict notStored(String digest) {
        return new Conflict("package " + digest + " is not stored on this allocator for you (never uploaded by you, or removed as unused); "
                + "upload it first: steward package --upload");
    }

    /**
     * The stored package a task or service of {@code role} names, refreshed as used (so kept from
     * the sweep) and now the role's to read and run; a clear conflict if it is not stored.
     */
    public PackageManifest use(String digest, String role, Instant now) {
        PackageManifest m = stored(digest);
        put(touched(byDigest.get(digest), role, now));
        return m;
    }

    /** The bytes of the packages {@code role} holds (it uploaded or ran them), each counted whole. */
    public long bytesOf(String role) {
        long n = 0;
        for (PackageInfo p : byDigest.values()) {
            n += p.ownedBy(role) ? p.size() : 0;
        }
        return n;
    }

    /**
     * Refuses (409) an upload by {@code role} of {@code size} bytes that would take what it holds
     * past {@link StateConfig#maxPackageBytesPerRole}: a package it already holds adds nothing, and
     * the admin's uploads (null) are not bounded. So one tenant cannot fill the store that every
     * tenant uploads to; it lets go of packages it no longer needs ({@link #release}).
     */
    public void roomFor(String role, String digest, long size) {
        PackageInfo p = byDigest.get(digest);
        if (role == null || p != null && p.ownedBy(role)) {
            return;
        }
        long held = bytesOf(role);
        long bound = state.config().maxPackageBytesPerRole();
        if (held + Math.max(0, size) > bound) {
            throw new Conflict("role '" + role + "' holds " + mib(held) + " of packages; this one (" + mib(size) + ") would take it past its bound of "
                    + mib(bound) + " (the allocator's --max-package-bytes-per-role). Let go of packages it no longer runs (steward packages delete DIGEST, or DELETE /v1/packages/DIGEST); "
                    + "unused ones are also forgotten after the package retention");
        }
    }

    private static String mib(long bytes) {
        return dev.steward.api.Units.formatMib((Math.max(0, bytes) + (1 << 20) - 1) >> 20);
    }

    /**
     * {@code role} lets go of a package (null: the admin removes it for every role). Refused (409,
     * naming the use) while the role's kept service revisions or live tasks run it (the admin's:
     * while anything does); a role that does not hold it finds it not there (404). Returns the
     * digests whose files go: this one once no role holds it and nothing runs it, else none.
     */
    public List<String> release(String digest, String role) {
        PackageInfo p = byDigest.get(digest);
        if (p == null || role != null && !p.ownedBy(role)) {
            throw new NotFound("package", digest);
        }
        String use = useOf(digest, role);
        if (use != null) {
            throw new Conflict("package " + digest + " is still run by " + use + "; delete or redeploy that first");
        }
        List<String> rest = new java.util.ArrayList<>(p.roles() == null ? List.of() : p.roles());
        rest.remove(role);
        if (role == null || rest.isEmpty() && !referenced().contains(digest)) {
            byDigest.remove(digest);
            state.changes.packages.remove(digest);
            state.removed.add(digest);
            return List.of(digest);
        }
        put(new PackageInfo(p.digest(), p.size(), p.manifest(), p.files(), p.expandedBytes(), p.uploadedAt(), p.lastUsedAt(), false, List.copyOf(rest),
                p.createIndex(), state.nextIndex()));
        return List.of();
    }

    /** A use of {@code digest} by {@code role}'s services and live tasks (null: by anyone's), as words; null if none. */
    private String useOf(String digest, String role) {
        for (RevisionInfo r : state.services().revisionsUsing(digest)) {
            if (role == null || role.equals(state.services().roleOf(r.service()))) {
                return "service " + r.service() + " (revision " + r.number() + ")";
            }
        }
        for (TaskInfo t : state.tasks().all()) {
            if (digest.equals(t.spec().packageDigest()) && (role == null || role.equals(t.role()))
                    && !state.allocation(t.allocationId()).state().terminal()) {
                return "task " + t.id() + " of allocation " + t.allocationId();
            }
        }
        return null;
    }

    /**
     * Refuses a package that would expand past the disk it is given ({@code diskMib}, from an
     * allocation or a service's run spec), before any agent writes a byte of it; both figures
     * are named. A disk of 0 (none asked for) sets no limit here.
     */
    public void fitsDisk(String digest, long diskMib, String where) {
        PackageInfo p = byDigest.get(digest);
        if (p == null || diskMib <= 0) {
            return;
        }
        long diskBytes = diskMib << 20;
        if (p.expandedBytes() > diskBytes) {
            throw new Conflict("package " + digest + " expands to " + dev.steward.api.Units.formatMib((p.expandedBytes() + (1 << 20) - 1) >> 20)
                    + " (" + p.expandedBytes() + " bytes in " + p.files() + " files), above the disk of " + dev.steward.api.Units.formatMib(diskMib)
                    + " that " + where + " has; ask for more disk, or make the package smaller");
        }
    }

    public List<PackageInfo> list() {
        Set<String> refs = referenced();
        return byDigest.values().stream().map(p -> view(p, refs)).toList();
    }

    /**
     * At start, for rows stored before packages had roles: each is given the roles whose services
     * keep a revision of it or whose tasks name it, as they would have been given by those deploys
     * and tasks. One nothing refers to is left to the admin until a role uploads it again. Every
     * server derives the same from the same rows; the row keeps the roles once it next changes.
     */
    public void adoptUnowned() {
        Map<String, Set<String>> users = new HashMap<>(state.services().packageRoles());
        for (TaskInfo t : state.tasks().all()) {
            if (t.spec().packageDigest() != null) {
                users.computeIfAbsent(t.spec().packageDigest(), k -> new TreeSet<>()).add(t.role());
            }
        }
        for (PackageInfo p : List.copyOf(byDigest.values())) {
            if (p.roles() == null) {
                byDigest.put(p.digest(), p.withRoles(List.copyOf(new TreeSet<>(users.getOrDefault(p.digest(), Set.of())))));
            }
        }
    }

    /**
     * Digests something needs now: the tasks of allocations that have not ended (a task may be
     * restarted, or started again, while its allocation lives; once it ends, the sandbox holds
     * what the task needs), and every kept revision of a service.
     */
    public Set<String> referenced() {
        Set<String> out = new HashSet<>(state.services().packageDigests());
        for (TaskInfo t : state.tasks().all()) {
            String d = t.spec().packageDigest();
            if (d != null && !state.allocation(t.allocationId()).state().terminal()) {
                out.add(d);
            }
        }
        return out;
    }

    /**
     * One garbage-collection sweep: marks referenced packages used now (at most once per tenth of
     * the retention, to keep writes rare), then forgets the expired ones and returns their digests
     * so the caller removes the files.
     */
    public List<String> sweep(Instant now, Duration retention) {
        Set<String> refs = referenced();
        Instant stale = now.minus(retention.dividedBy(10));
        for (String d : refs) {
            PackageInfo p = byDigest.get(d);
            if (p != null && p.lastUsedAt().isBefore(stale)) {
                put(touched(p, null, now));
            }
        }
        List<String> gone = PackageGc.expired(byDigest.values(), refs, now, retention);
        for (String d : gone) {
            byDigest.remove(d);
            state.removed.add(d);
        }
        return gone;
    }

    /** Drops the record of a package whose file is gone (found at start). */
    public void forget(String digest) {
        if (byDigest.remove(digest) != null) {
            state.removed.add(digest);
        }
    }

    void restore(Collection<PackageInfo> stored) {
        stored.forEach(p -> byDigest.put(p.digest(), p));
    }

    /** {@code p} used now, and {@code role}'s if it was not (null: no role added). */
    private PackageInfo touched(PackageInfo p, String role, Instant now) {
        List<String> roles = p.roles() == null ? List.of() : p.roles();
        if (role != null && !roles.contains(role)) {
            TreeSet<String> more = new TreeSet<>(roles);
            more.add(role);
            roles = List.copyOf(more);
        }
        return new PackageInfo(p.digest(), p.size(), p.manifest(), p.files(), p.expandedBytes(), p.uploadedAt(), now, false, roles, p.createIndex(),
                state.nextIndex());
    }

    private static PackageInfo view(PackageInfo p, Set<String> refs) {
        return new PackageInfo(p.digest(), p.size(), p.manifest(), p.files(), p.expandedBytes(), p.uploadedAt(), p.lastUsedAt(),
                refs.contains(p.digest()), p.roles(), p.createIndex(), p.modifyIndex());
    }

    private void put(PackageInfo p) {
        byDigest.put(p.digest(), p);
        state.changes.packages.add(p.digest());
    }
}
