package dev.steward.allocator.state;

import dev.steward.api.Limits;
import dev.steward.api.Resources;

/**
 * A role as stored: weight, guarantee, limit (scalars absent from the limit are unlimited), the
 * system users its tasks may run as, and the highest priority it may ask at ({@code maxPriority};
 * null: any, as for a record stored before there was one).
 */
public record RoleRecord(String name, double weight, Resources guarantee, Resources limit, long createIndex, long modifyIndex, java.util.List<String> users,
                         Integer maxPriority) {

    public RoleRecord(String name, double weight, Resources guarantee, Resources limit, long createIndex, long modifyIndex, java.util.List<String> users) {
        this(name, weight, guarantee, limit, createIndex, modifyIndex, users, null);
    }

    /** The system users its tasks may run as (none for a record stored before there were any). */
    public java.util.List<String> allowedUsers() {
        return users == null ? java.util.List.of() : users;
    }

    /** The highest priority its requests and services may ask at. */
    public int priorityCap() {
        return maxPriority == null ? Limits.MAX_PRIORITY : maxPriority;
    }

    /**
     * Refuses (403) {@code priority}, asked for by this role's {@code what} ("request", "service web/prod"),
     * when it is above {@link #priorityCap}.
     */
    public void allowPriority(int priority, String what) {
        if (priority > priorityCap()) {
            throw new Forbidden("role '" + name + "' may ask at priority " + priorityCap() + " at most (its maxPriority, which an admin sets with "
                    + "steward roles set " + name + " --max-priority N); " + what + " asked for " + priority);
        }
    }
}
