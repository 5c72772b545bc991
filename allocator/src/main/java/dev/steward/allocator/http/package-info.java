/**
 * The REST API ({@code /v1/...}), independent of any HTTP server: {@link dev.steward.allocator.http.Api}
 * maps an {@link dev.steward.allocator.http.ApiRequest} to a future
 * {@link dev.steward.allocator.http.ApiResponse}, so the same handlers can be served
 * by {@link dev.steward.allocator.http.JettyServer}, which bounds every connection, thread,
 * body and wait ({@link dev.steward.allocator.http.HttpLimits}; each request through
 * {@code ApiHandler}), or mounted in another server. One class per resource declares its routes; errors are
 * {@code application/problem+json} naming the field; a client's mistake is never a 500.
 * Every request carries a {@link dev.steward.allocator.http.RequestTrace} (its id, route template
 * and principal) that the server hands to a {@link dev.steward.allocator.http.RequestObserver}
 * once answered: the {@link dev.steward.allocator.http.RequestLog} and the metrics. Beside the
 * API: {@code /metrics} and the web dashboard's files ({@code /}, {@code /ui/...}). What the
 * allocator asks of peers it does not control (agents' log servers and the commands run in
 * tasks, tasks' metrics endpoints) goes through {@link dev.steward.allocator.http.BoundedFetch}:
 * whole within a time and a size.
 * Another role's objects answer as absent, for every method; packages too, which are stored once
 * for all roles but reached per role ({@code PackageRoutes.readable}, {@code PackageAccess}).
 */
package dev.steward.allocator.http;
