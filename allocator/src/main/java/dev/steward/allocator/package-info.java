/**
 * The bundled allocator, Steward's control plane. {@link dev.steward.allocator.Server} wires
 * it: the state recovered from SQLite ({@code store}), the engine thread that owns it
 * ({@code engine}), the decisions ({@code placement}, {@code fairness}, {@code state}) and the
 * REST API ({@code http}, {@code auth}), one life of them at a time ({@code ServerCore}); a lone
 * allocator whose store fails (a full disk) answers why and opens a new life by itself once it
 * can write ({@code Recovery}, deciding through the pure {@code Outage}).
 * {@link dev.steward.allocator.Json} is the one JSON mapper for the API and the stored rows.
 */
package dev.steward.allocator;
