package dev.steward.allocator.state;

/** A command the caller may not make on this state (e.g. a task naming a user its role is not allowed): a 403 with a reason. */
public final class Forbidden extends RuntimeException {
    public Forbidden(String message) {
        super(message);
    }
}
