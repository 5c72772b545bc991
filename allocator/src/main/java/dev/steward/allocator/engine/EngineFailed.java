package dev.steward.allocator.engine;

/** The engine stopped taking commands because its store failed: fail-stop, answered 503. */
public final class EngineFailed extends RuntimeException {
    public EngineFailed(Throwable cause) {
        super("the allocator's state store failed; it takes no more changes until restarted (one of several allocators on ZooKeeper steps down, and the leader takes them): "
                + cause.getMessage(), cause);
    }
}
