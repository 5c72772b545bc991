package dev.steward.api;

/**
 * The body of {@code POST /v1/services/{app}/{env}/rollback} (and {@code .../rollback/plan}):
 * {@code revision}, the kept revision to go back to, or none (null, or no body) for back from
 * what runs, as {@code kubectl rollout undo} goes: to the stable revision while the current one
 * is not stable, else to the newest earlier stable revision with another spec.
 */
public record RollbackRequest(Integer revision) {
}
