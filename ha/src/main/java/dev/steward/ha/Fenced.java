package dev.steward.ha;

/** This server's leader epoch is no longer the current one: another leader has taken over, and nothing it wrote landed. */
public final class Fenced extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    Fenced(String message) {
        super(message);
    }
}
