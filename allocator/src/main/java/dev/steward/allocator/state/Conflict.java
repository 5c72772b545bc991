package dev.steward.allocator.state;

/** A command that cannot apply to the current state (e.g. renewing an ended lease): a 409 with a reason. */
public final class Conflict extends RuntimeException {
    public Conflict(String message) {
        super(message);
    }
}
