package dev.steward.allocator.state;

import dev.steward.api.PackageInfo;
import dev.steward.api.PackageManifest;
import dev.steward.api.TaskInfo;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The packages the allocator stores, by digest: size, manifest and use times. The bytes live in
 * the package store on disk; a row here is written only after its file is complete and
 * verified, so a package the state knows is one that can be downloaded. Part of
 * {@link ClusterState}, owned by the same thread.
 */
public final class Packages {
    private final ClusterState state;
    private final Map<String, PackageInfo> byDigest = new TreeMap<>();

    Packages(ClusterState state) {
        this.state = state;
    }

    /** Records a verified upload; uploading a stored package again only refreshes its last use. */
    public PackageInfo add(String digest, long size, PackageManifest manifest, int files, long expandedBytes, Instant now) {
        PackageInfo old = byDigest.get(digest);
        PackageInfo p = old == null
                ? new PackageInfo(digest, size, manifest, files, expandedBytes, now, now, false, state.nextIndex(), state.nextIndex())
                : touched(old, now);
        put(p);
        return view(p, referenced());
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
            throw new Conflict("package " + digest + " is not stored on this allocator (never uploaded, or removed as unused); "
                    + "upload it first: steward package --upload");
        }
        return p.manifest();
    }

    /** The stored package a task or service names, refreshed as used (so kept from the sweep); a clear conflict if it is not stored. */
    public PackageManifest use(String digest, Instant now) {
        PackageManifest m = stored(digest);
        put(touched(byDigest.get(digest), now));
        return m;
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
                put(touched(p, now));
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

    private PackageInfo touched(PackageInfo p, Instant now) {
        return new PackageInfo(p.digest(), p.size(), p.manifest(), p.files(), p.expandedBytes(), p.uploadedAt(), now, false, p.createIndex(),
                state.nextIndex());
    }

    private static PackageInfo view(PackageInfo p, Set<String> refs) {
        return new PackageInfo(p.digest(), p.size(), p.manifest(), p.files(), p.expandedBytes(), p.uploadedAt(), p.lastUsedAt(),
                refs.contains(p.digest()), p.createIndex(), p.modifyIndex());
    }

    private void put(PackageInfo p) {
        byDigest.put(p.digest(), p);
        state.changes.packages.add(p.digest());
    }
}
