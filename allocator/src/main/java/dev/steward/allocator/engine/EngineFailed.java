package dev.steward.allocator.engine;

/** The engine stopped taking commands because its store failed: fail-stop, answered 503. */
public final class EngineFailed extends RuntimeException {
    public EngineFailed(Throwable cause) {
        super("the allocator's state store failed, and nothing more is changed until it can write again (a lone allocator opens its "
                + "state again by itself; one of several on ZooKeeper steps down, and the next leader takes the changes): " + cause.getMessage(), cause);
    }
}
