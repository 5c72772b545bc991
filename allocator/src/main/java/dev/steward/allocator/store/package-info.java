/**
 * Durable state in an embedded SQLite database (WAL, {@code synchronous=FULL}) in the data
 * directory. One table per kind of record, each row the record's JSON by id, plus a meta
 * table with the change index. The engine writes one transaction per command, and only
 * answers the client after it commits.
 */
package dev.steward.allocator.store;
