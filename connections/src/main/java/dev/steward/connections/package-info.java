/**
 * Which connection gives way when all of a Jetty server's connections are taken: the pure
 * {@link dev.steward.connections.ConnectionBudget} decides (the connection idle longest goes;
 * one kept for a trusted peer, or with a request being served, never does), and
 * {@link dev.steward.connections.ConnectionGuard} carries that out as a listener on the
 * connector's connections. The allocator's API keeps agents' connections; an agent's log server
 * keeps the allocator's. Jetty's own {@code ConnectionLimit} stops accepting at the limit
 * instead, so connections that trickle their request heads could keep those peers out.
 * {@link dev.steward.connections.ClientDeparture} watches the connection of a request that waits
 * (a parked query, a log follow) for its client leaving, which Jetty does not see over HTTP/1.1
 * until it writes, so that what the request holds is given back at once.
 * {@link dev.steward.connections.RevokedCallers} refuses a request whose caller's certificate was
 * revoked since its connection was made.
 */
package dev.steward.connections;
