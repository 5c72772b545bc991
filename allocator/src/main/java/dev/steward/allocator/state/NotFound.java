package dev.steward.allocator.state;

/** A command or query named something that does not exist: a 404 with a reason. */
public final class NotFound extends RuntimeException {
    public NotFound(String kind, String id) {
        super("no " + kind + " '" + id + "'");
    }
}
