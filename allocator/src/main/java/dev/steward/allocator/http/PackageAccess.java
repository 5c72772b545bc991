package dev.steward.allocator.http;

import dev.steward.allocator.auth.Principal;
import dev.steward.api.Digests;
import dev.steward.allocator.state.ClusterState;

/**
 * Which packages a caller may name in what it runs (a task, a deploy): a role only one it
 * uploaded or ran before; the admin any (what the admin runs for a role becomes the role's).
 * Checked on the owner thread inside the command, before the command changes anything.
 */
final class PackageAccess {
    private PackageAccess() {
    }

    /** Refuses a role a package that is not its own, as if it were not stored; null (no package) passes. */
    static void require(Principal who, ClusterState s, String digest) {
        if (digest == null || who.kind() != Principal.Kind.ROLE) {
            return;
        }
        Digests.check("packageDigest", digest);
        s.packages().requireOwned(digest, who.subject());
    }
}
