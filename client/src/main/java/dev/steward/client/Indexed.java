package dev.steward.client;

/** A value read with the allocator's change index at the time: the {@code index} to pass to the next blocking query. */
public record Indexed<T>(long index, T value) {
}
