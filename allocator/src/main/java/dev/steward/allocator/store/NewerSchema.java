package dev.steward.allocator.store;

/** Rows written by a newer release than this one (a higher state schema): refused, never half-read. */
public final class NewerSchema extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public NewerSchema(String message) {
        super(message);
    }
}
