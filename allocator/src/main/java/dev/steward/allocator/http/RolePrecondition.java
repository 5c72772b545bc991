package dev.steward.allocator.http;

import dev.steward.allocator.state.RoleRecord;

/**
 * A role's write made on a condition, as HTTP's conditional requests (and Consul's {@code cas})
 * make one: {@code If-Match: "N"} sets the role only if its {@code modifyIndex} is still N (as
 * read), {@code If-None-Match: *} only if there is no such role yet. Otherwise a 412 that says
 * what changed, and nothing is written: two admins who each read, change one field and write back
 * (as {@code steward roles set} does) never silently undo each other. Without either header the
 * write is unconditional, as before. Pure: checked in the command, against the role as it is.
 */
record RolePrecondition(Long ifMatch, boolean ifNoneMatch) {
    static final RolePrecondition NONE = new RolePrecondition(null, false);

    /** From the request's headers; a 400 naming the header when one is not of this form. */
    static RolePrecondition of(String ifMatch, String ifNoneMatch) {
        Long index = null;
        if (ifMatch != null) {
            String v = ifMatch.strip();
            if (v.startsWith("W/")) {
                v = v.substring(2);
            }
            if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
                v = v.substring(1, v.length() - 1);
            }
            try {
                index = Long.parseLong(v);
            } catch (NumberFormatException e) {
                throw new dev.steward.api.ValidationException("If-Match", "'" + ifMatch + "' is not a role's modifyIndex such as \"42\"");
            }
        }
        boolean absent = false;
        if (ifNoneMatch != null) {
            if (!ifNoneMatch.strip().equals("*")) {
                throw new dev.steward.api.ValidationException("If-None-Match", "'" + ifNoneMatch + "' is not *: only a role that does not exist yet can be asked for");
            }
            absent = true;
        }
        if (index != null && absent) {
            throw new dev.steward.api.ValidationException("If-None-Match", "goes with no If-Match: a role cannot both be at an index and not exist");
        }
        return index == null && !absent ? NONE : new RolePrecondition(index, absent);
    }

    /** Refuses (412) the write of role {@code name} when it is not as the condition says; {@code current} is the role now (null: none). */
    void check(String name, RoleRecord current) {
        if (ifNoneMatch && current != null) {
            throw new ApiError(412, "Precondition Failed", "role '" + name + "' exists already (made at index " + current.createIndex()
                    + "); nothing was changed: read it and change it instead", null);
        }
        if (ifMatch != null && current == null) {
            throw new ApiError(412, "Precondition Failed", "role '" + name + "' no longer exists; nothing was changed", null);
        }
        if (ifMatch != null && current.modifyIndex() != ifMatch) {
            throw new ApiError(412, "Precondition Failed", "role '" + name + "' was changed at index " + current.modifyIndex() + ", after it was read at "
                    + ifMatch + "; nothing was changed: read it again and make the change on what it is now", null);
        }
    }
}
