/**
 * Durable state in an embedded SQLite database (WAL, {@code synchronous=FULL},
 * {@code secure_delete}) in the data directory. One table per kind of record, each row the
 * record's JSON by id, plus a meta table with the change index. The engine writes one
 * transaction per batch of commands, and only answers the clients after it commits. Task
 * secrets are sealed with {@link dev.steward.allocator.store.SecretKeys} (AES-256-GCM, a 0600
 * keyring) as rows are written and opened as they are loaded: no value is stored in the clear.
 * Rows carry the schema's shape: {@link dev.steward.allocator.store.Migrations} moves an older
 * database to the current schema when it is opened, in one transaction, and
 * {@link dev.steward.allocator.store.StoredJson} reads rows tolerating fields it does not know.
 * {@code NativeLibraryDir} keeps sqlite-jdbc's copies of its native library in a directory per
 * process, removed at the next start when the process was killed.
 */
package dev.steward.allocator.store;
