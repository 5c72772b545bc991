package dev.steward.allocator.engine;

/** The engine was closed: the allocator is stopping, or it stepped down as leader. Answered 503: try again (another allocator may lead). */
public final class EngineClosed extends RuntimeException {
    public EngineClosed() {
        super("this allocator is stopping, or it stepped down as leader; try again (another allocator may answer)");
    }
}
