package dev.steward.api;

/** A request is {@code PENDING} until all its allocations are placed ({@code PLACED}) or its owner cancels it. */
public enum RequestState {
    PENDING, PLACED, CANCELLED;

    public boolean terminal() {
        return this != PENDING;
    }
}
