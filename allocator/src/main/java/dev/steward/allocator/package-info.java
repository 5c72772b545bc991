/**
 * The bundled allocator, Steward's control plane. {@link dev.steward.allocator.Server} wires
 * it: the state recovered from SQLite ({@code store}), the engine thread that owns it
 * ({@code engine}), the decisions ({@code placement}, {@code fairness}, {@code state}) and the
 * REST API ({@code http}, {@code auth}). {@link dev.steward.allocator.Json} is the one JSON
 * mapper for the API and the stored rows.
 */
package dev.steward.allocator;
