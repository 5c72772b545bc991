package dev.steward.allocator.store;

import dev.steward.allocator.state.RoleRecord;
import dev.steward.allocator.state.TokenRecord;
import dev.steward.api.AgentInfo;
import dev.steward.api.AllocationInfo;
import dev.steward.api.RequestInfo;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * {@link Store} on one SQLite file, {@code steward.db}, in WAL mode with synchronous=FULL. Rows are
 * stored in their schema's shape ({@link Migrations}): an older database is migrated when opened,
 * in one transaction; a newer one is refused. Rows are read with the tolerant {@link StoredJson}.
 */
public final class SqliteStore implements Store {
    private final SecretKeys secrets;
    private boolean unsealed;
    private final Migrations migrations;
    private final Connection db;
    private final Map<Table, PreparedStatement> upserts = new EnumMap<>(Table.class);
    private final Map<Table, PreparedStatement> deletes = new EnumMap<>(Table.class);
    private final PreparedStatement meta;

    public SqliteStore(Path dataDir) {
        this(dataDir, null);
    }

    /**
     * The store in {@code dataDir}; task secrets are sealed with {@code secrets} before they are
     * written (null: with the keyring {@code secrets.key} in the data directory, made if absent).
     */
    public SqliteStore(Path dataDir, SecretKeys secrets) {
        this(dataDir, secrets, Migrations.release());
    }

    /** With {@code migrations} other than this release's: for tests of migration. */
    SqliteStore(Path dataDir, SecretKeys secrets, Migrations migrations) {
        this.migrations = migrations;
        try {
            this.secrets = secrets != null ? secrets : SecretKeys.open(dataDir.resolve("secrets.key"));
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot open the secrets key file: " + e.getMessage(), e);
        }
        try {
            NativeLibraryDir.prepare(); // before sqlite-jdbc first loads: a killed process's copy of its library is removed at the next start
            db = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve("steward.db"));
            try (Statement s = db.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=FULL");
                s.execute("PRAGMA busy_timeout=5000");
                s.execute("PRAGMA secure_delete=ON"); // what a row held before (a secret sealed with a retired key) is overwritten, not left in free pages
                s.execute("CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL)");
                for (Table t : Table.values()) {
                    s.execute("CREATE TABLE IF NOT EXISTS " + name(t) + " (id TEXT PRIMARY KEY, json TEXT NOT NULL)");
                }
                s.execute("INSERT OR IGNORE INTO meta (k, v) VALUES ('schema', '" + migrations.current() + "')");
            }
            int schema = Integer.parseInt(metaValue("schema", "1"));
            if (schema > migrations.current()) {
                throw new IllegalStateException("the data directory " + dataDir + " was written by a newer release (state schema " + schema
                        + "); this allocator reads schema " + migrations.current() + " and older: run that release, or restore a backup made for this one");
            }
            db.setAutoCommit(false);
            if (schema < migrations.current()) {
                try {
                    migrate(schema);
                } catch (SQLException | RuntimeException e) {
                    db.close(); // the database is as it was: the migration's transaction rolled back
                    throw e;
                }
            }
            for (Table t : Table.values()) {
                upserts.put(t, db.prepareStatement("INSERT INTO " + name(t) + " (id, json) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET json = excluded.json"));
                deletes.put(t, db.prepareStatement("DELETE FROM " + name(t) + " WHERE id = ?"));
            }
            meta = db.prepareStatement("INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET v = excluded.v");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot open the state database in " + dataDir + ": " + e.getMessage(), e);
        }
    }

    private static String name(Table t) {
        return t.name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Every row, from schema {@code from} to the current one, and the schema itself, in one transaction: all or nothing. */
    private void migrate(int from) throws SQLException {
        java.util.logging.Logger log = java.util.logging.Logger.getLogger(SqliteStore.class.getName());
        log.info("migrating the state database from schema " + from + " to " + migrations.current() + ": " + migrations.describe(from));
        int rows = 0;
        try {
            for (Table t : Table.values()) {
                List<String[]> migrated = new ArrayList<>();
                try (Statement s = db.createStatement(); ResultSet r = s.executeQuery("SELECT id, json FROM " + name(t) + " ORDER BY rowid")) {
                    while (r.next()) {
                        String id = r.getString(1);
                        migrated.add(new String[] {id, StoredJson.write(migrations.migrate(t, StoredJson.tree(r.getString(2), t, id), from))});
                    }
                }
                try (PreparedStatement u = db.prepareStatement("UPDATE " + name(t) + " SET json = ? WHERE id = ?")) {
                    for (String[] row : migrated) {
                        u.setString(1, row[1]);
                        u.setString(2, row[0]);
                        u.addBatch();
                    }
                    u.executeBatch();
                }
                rows += migrated.size();
            }
            try (PreparedStatement p = db.prepareStatement("UPDATE meta SET v = ? WHERE k = 'schema'")) {
                p.setString(1, Integer.toString(migrations.current()));
                p.executeUpdate();
            }
            db.commit();
        } catch (SQLException | RuntimeException e) {
            db.rollback();
            throw e;
        }
        log.info("migrated " + rows + " rows to schema " + migrations.current());
    }

    private String metaValue(String k, String absent) throws SQLException {
        try (PreparedStatement p = db.prepareStatement("SELECT v FROM meta WHERE k = ?")) {
            p.setString(1, k);
            try (ResultSet r = p.executeQuery()) {
                return r.next() ? r.getString(1) : absent;
            }
        }
    }

    @Override
    public Loaded load() {
        try {
            return new Loaded(Long.parseLong(metaValue("index", "0")), Long.parseLong(metaValue("sequence", "0")),
                    rows(Table.ROLES, RoleRecord.class), rows(Table.AGENTS, AgentInfo.class), rows(Table.REQUESTS, RequestInfo.class),
                    rows(Table.ALLOCATIONS, AllocationInfo.class), rows(Table.TOKENS, TokenRecord.class),
                    rows(Table.TASKS, dev.steward.api.TaskInfo.class), rows(Table.PACKAGES, dev.steward.api.PackageInfo.class),
                    rows(Table.SERVICES, dev.steward.allocator.deploy.ServiceRecord.class), rows(Table.REVISIONS, dev.steward.api.RevisionInfo.class),
                    rows(Table.DEPLOYMENTS, dev.steward.api.DeploymentInfo.class), rows(Table.INSTANCES, dev.steward.api.InstanceInfo.class),
                    rows(Table.MONITORS, dev.steward.api.MonitorReport.class), rows(Table.MONITOR_POINTS, dev.steward.allocator.monitor.PointRow.class),
                    rows(Table.SECRETS, dev.steward.allocator.deploy.SecretRecord.class));
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the state database: " + e.getMessage(), e);
        }
    }

    private <T> List<T> rows(Table t, Class<T> type) throws SQLException {
        List<T> out = new ArrayList<>();
        try (Statement s = db.createStatement(); ResultSet r = s.executeQuery("SELECT id, json FROM " + name(t) + " ORDER BY rowid")) {
            while (r.next()) {
                T row = StoredJson.read(StoredJson.tree(r.getString(2), t, r.getString(1)), type, t, r.getString(1));
                out.add(row instanceof dev.steward.api.TaskInfo task ? type.cast(opened(task))
                        : row instanceof dev.steward.allocator.deploy.SecretRecord sr ? type.cast(opened(sr)) : row);
            }
        }
        return out;
    }

    @Override
    public void write(Batch batch) {
        apply(encode(batch), -1);
    }

    /** The batch in its stored shape: rows as JSON, task and service secrets sealed. Touches no file. */
    public RowBatch encode(Batch batch) {
        Map<Table, Map<String, String>> puts = new EnumMap<>(Table.class);
        for (Map.Entry<Table, Map<String, Object>> e : batch.puts().entrySet()) {
            Map<String, String> rows = new java.util.LinkedHashMap<>();
            for (Map.Entry<String, Object> row : e.getValue().entrySet()) {
                Object v = row.getValue();
                rows.put(row.getKey(), StoredJson.write(v instanceof dev.steward.api.TaskInfo t ? sealed(t)
                        : v instanceof dev.steward.allocator.deploy.SecretRecord sr ? sealed(sr) : v));
            }
            puts.put(e.getKey(), rows);
        }
        return new RowBatch(batch.index(), batch.sequence(), migrations.current(), puts, batch.deletes());
    }

    /**
     * Writes a batch already in its stored shape, atomically and durably; {@code logPosition}
     * (when not negative) is recorded with it in the same transaction: how far a replicated log
     * has been applied. Rows of an older schema are migrated first; a newer schema is refused.
     */
    public synchronized void apply(RowBatch batch, long logPosition) {
        if (batch.schema() > migrations.current()) {
            throw new NewerSchema("a change was written by a newer release (state schema " + batch.schema()
                    + "); this server reads schema " + migrations.current() + " and older: upgrade it before it follows that leader");
        }
        try {
            for (Map.Entry<Table, Map<String, String>> e : batch.puts().entrySet()) {
                PreparedStatement p = upserts.get(e.getKey());
                for (Map.Entry<String, String> row : e.getValue().entrySet()) {
                    p.setString(1, row.getKey());
                    p.setString(2, batch.schema() == migrations.current() ? row.getValue()
                            : StoredJson.write(migrations.migrate(e.getKey(), StoredJson.tree(row.getValue(), e.getKey(), row.getKey()), batch.schema())));
                    p.addBatch();
                }
                p.executeBatch();
            }
            for (String id : batch.deletes()) {
                for (PreparedStatement d : deletes.values()) {
                    d.setString(1, id);
                    d.addBatch();
                }
            }
            for (PreparedStatement d : deletes.values()) {
                d.executeBatch();
            }
            putMeta("index", batch.index());
            putMeta("sequence", batch.sequence());
            if (logPosition >= 0) {
                putMeta("log", logPosition);
            }
            meta.executeBatch();
            db.commit();
        } catch (SQLException e) {
            try {
                db.rollback();
            } catch (SQLException ignored) {
                // the original failure is the one to report
            }
            throw new IllegalStateException("cannot write the state database: " + e.getMessage(), e);
        }
    }

    private void putMeta(String k, long v) throws SQLException {
        meta.setString(1, k);
        meta.setString(2, Long.toString(v));
        meta.addBatch();
    }

    /** How far a replicated log has been applied to this database (-1: nothing yet; ZooKeeper numbers the first entry 0). */
    public synchronized long logPosition() {
        try {
            return Long.parseLong(metaValue("log", "-1"));
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the state database: " + e.getMessage(), e);
        }
    }

    /** Whether any table holds a row (one row read per table at most, not the whole database). */
    public synchronized boolean hasRows() {
        try {
            for (Table t : Table.values()) {
                try (Statement s = db.createStatement(); ResultSet r = s.executeQuery("SELECT 1 FROM " + name(t) + " LIMIT 1")) {
                    if (r.next()) {
                        db.commit();
                        return true;
                    }
                }
            }
            db.commit();
            return false;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the state database: " + e.getMessage(), e);
        }
    }

    /** The replicated cluster whose log this database follows (its id), or null: a single server's, or new. */
    public synchronized String cluster() {
        try {
            return metaValue("cluster", null);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the state database: " + e.getMessage(), e);
        }
    }

    /** Records that this database follows the log of cluster {@code id}. */
    public synchronized void cluster(String id) {
        try {
            meta.setString(1, "cluster");
            meta.setString(2, id);
            meta.executeUpdate();
            db.commit();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot write the state database: " + e.getMessage(), e);
        }
    }

    /** Every row as stored, and the counters, in one read. */
    @Override
    public synchronized Dump dump() {
        try {
            Map<Table, Map<String, String>> rows = new EnumMap<>(Table.class);
            for (Table t : Table.values()) {
                Map<String, String> m = new java.util.LinkedHashMap<>();
                try (Statement s = db.createStatement(); ResultSet r = s.executeQuery("SELECT id, json FROM " + name(t) + " ORDER BY rowid")) {
                    while (r.next()) {
                        m.put(r.getString(1), r.getString(2));
                    }
                }
                rows.put(t, m);
            }
            Dump d = new Dump(Long.parseLong(metaValue("index", "0")), Long.parseLong(metaValue("sequence", "0")),
                    Long.parseLong(metaValue("log", "-1")), migrations.current(), rows);
            db.commit(); // ends the read transaction
            return d;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the state database: " + e.getMessage(), e);
        }
    }

    /**
     * Replaces everything stored with {@code dump}, in one transaction: a restored snapshot, or a
     * follower that fell behind a trimmed log. Rows of an older schema are migrated; a newer one
     * is refused.
     */
    public synchronized void replaceAll(Dump dump) {
        if (dump.schema() > migrations.current()) {
            throw new NewerSchema("the snapshot was written by a newer release (state schema " + dump.schema()
                    + "); this server reads schema " + migrations.current() + " and older");
        }
        try {
            try (Statement s = db.createStatement()) {
                for (Table t : Table.values()) {
                    s.execute("DELETE FROM " + name(t));
                }
                s.execute("DELETE FROM meta WHERE k IN ('index', 'sequence', 'log')");
            } // not committed: the rows below go in the same transaction
        } catch (SQLException e) {
            try {
                db.rollback();
            } catch (SQLException ignored) {
                // the original failure is the one to report
            }
            throw new IllegalStateException("cannot write the state database: " + e.getMessage(), e);
        }
        apply(new RowBatch(dump.index(), dump.sequence(), dump.schema(), dump.rows(), java.util.Set.of()), dump.logPosition());
    }

    /** The task as stored: its secrets sealed, each bound to the task and its name. */
    private dev.steward.api.TaskInfo sealed(dev.steward.api.TaskInfo t) {
        if (!hasSecrets(t)) {
            return t;
        }
        return t.withSpec(t.spec().withSecrets(secrets.sealAll(t.id(), t.spec().secrets())));
    }

    private dev.steward.api.TaskInfo opened(dev.steward.api.TaskInfo t) {
        if (!hasSecrets(t)) {
            return t;
        }
        if (t.spec().secrets().values().stream().anyMatch(v -> v != null && !v.startsWith(SecretKeys.PREFIX))) {
            unsealed = true; // written before secrets were sealed: the server writes it again, sealed
        }
        return t.withSpec(t.spec().withSecrets(secrets.openAll(t.id(), t.spec().secrets())));
    }

    /** A service secret as stored: its value sealed, bound to the secret's id. */
    private dev.steward.allocator.deploy.SecretRecord sealed(dev.steward.allocator.deploy.SecretRecord r) {
        return r.withValue(secrets.seal(r.id(), "value", r.value()));
    }

    private dev.steward.allocator.deploy.SecretRecord opened(dev.steward.allocator.deploy.SecretRecord r) {
        return r.withValue(secrets.open(r.id(), "value", r.value()));
    }

    private static boolean hasSecrets(dev.steward.api.TaskInfo t) {
        return t.spec() != null && t.spec().secrets() != null && !t.spec().secrets().isEmpty();
    }

    /** Whether the last {@link #load} found secrets stored before they were sealed. */
    public boolean foundUnsealed() {
        return unsealed;
    }

    /** The keys secrets are sealed with. */
    public SecretKeys secretKeys() {
        return secrets;
    }

    /**
     * After every row holding a secret has been written again sealed: the WAL is checkpointed
     * and truncated and the file vacuumed, so no copy of an older value stays on disk.
     */
    public synchronized void compact() {
        try {
            db.commit();
            db.setAutoCommit(true);
            try (Statement s = db.createStatement()) {
                s.execute("PRAGMA wal_checkpoint(TRUNCATE)");
                s.execute("VACUUM");
                s.execute("PRAGMA wal_checkpoint(TRUNCATE)");
            } finally {
                db.setAutoCommit(false);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot compact the state database: " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void close() {
        try {
            db.close();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
