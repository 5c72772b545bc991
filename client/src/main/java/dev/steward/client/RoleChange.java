package dev.steward.client;

import dev.steward.api.Problem;
import dev.steward.api.RoleInfo;
import dev.steward.api.RoleSpec;

import java.io.IOException;

/**
 * A change to a role made on the role as it is, as Kubernetes' {@code RetryOnConflict} makes one:
 * read it, make the change on what was read, write it only if no one changed the role meanwhile
 * ({@link StewardClient#putRoleIfUnchanged}), and on a 412 read it again and make the change
 * again, at most {@link #ATTEMPTS} times. Two admins who each change one field at once both keep
 * their change ({@code steward roles set}).
 */
public final class RoleChange {
    /** The most reads and writes one change makes before it gives up. */
    static final int ATTEMPTS = 5;

    private RoleChange() {
    }

    /** What the role was as last read (null: there was none), and what it is now. */
    public record Result(RoleInfo before, RoleInfo after) {
    }

    /** What to write, given the role as read (null when there is none yet). */
    @FunctionalInterface
    public interface Change {
        RoleSpec on(RoleInfo current) throws IOException;
    }

    static Result apply(StewardClient c, String name, Change change) throws IOException {
        for (int attempt = 1; ; attempt++) {
            RoleInfo before = read(c, name);
            try {
                return new Result(before, c.putRoleIfUnchanged(name, change.on(before), before == null ? null : before.modifyIndex()));
            } catch (StewardException e) {
                if (e.status() != 412) {
                    throw e;
                }
                if (attempt == ATTEMPTS) {
                    String detail = "role '" + name + "' was changed by someone else each of the " + ATTEMPTS + " times this change was made on it, "
                            + "so nothing was changed: try again (the last time: " + (e.problem() == null ? e.getMessage() : e.problem().detail()) + ")";
                    throw new StewardException(412, new Problem(null, "Precondition Failed", 412, detail, null), detail);
                }
            }
        }
    }

    /** The role as it is now, or null when there is none. */
    private static RoleInfo read(StewardClient c, String name) throws IOException {
        try {
            return c.get(Paths.v1("roles", name), new com.fasterxml.jackson.core.type.TypeReference<RoleInfo>() { });
        } catch (StewardException e) {
            if (e.status() != 404) {
                throw e;
            }
            return null;
        }
    }
}
