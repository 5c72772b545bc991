package dev.steward.allocator.store;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Stored rows across releases: a database written by release 0.1.0 (schema 1, the rows of
 * {@code store/schema-1.rows}) loads intact; an older schema is migrated once, in one transaction,
 * every row; a newer one is refused saying what to do; fields a row has and its record lacks are
 * tolerated.
 */
class StoredRowsTest {
    @TempDir
    Path dir;

    @Test
    void a_database_written_by_release_0_1_loads_intact() throws Exception {
        Map<String, Integer> counts = restoreFixture(dir);
        try (SqliteStore s = new SqliteStore(dir)) {
            Store.Loaded l = s.load();
            assertThat(l.roles()).hasSize(counts.get("roles"));
            assertThat(l.agents()).hasSize(counts.get("agents"));
            assertThat(l.requests()).hasSize(counts.get("requests"));
            assertThat(l.allocations()).hasSize(counts.get("allocations"));
            assertThat(l.tokens()).hasSize(counts.get("tokens"));
            assertThat(l.tasks()).hasSize(counts.get("tasks"));
            assertThat(l.packages()).hasSize(counts.get("packages"));
            assertThat(l.services()).hasSize(counts.get("services"));
            assertThat(l.revisions()).hasSize(counts.get("revisions")).extracting(r -> r.number()).containsExactlyInAnyOrder(1, 2);
            assertThat(l.deployments()).hasSize(counts.get("deployments")).allMatch(d -> d.state() == dev.steward.api.DeploymentState.SUCCEEDED);
            assertThat(l.instances()).hasSize(counts.get("instances"));
            assertThat(l.monitors()).singleElement().matches(m -> m.verdict() == dev.steward.api.Verdict.PASS);
            assertThat(l.monitorPoints()).hasSize(counts.get("monitor_points"));
            assertThat(l.index()).isPositive();
            assertThat(l.agents().get(0).total().cpuMillis()).isPositive();
        }
    }

    @Test
    void an_older_schema_is_migrated_once_every_row_in_one_transaction() throws Exception {
        restoreFixture(dir);
        List<Migrations.Migration> steps = List.of(
                new Migrations.Migration(1, "services gain 'owner'", (t, row) -> t == Store.Table.SERVICES ? row.put("owner", "release-team") : row),
                new Migrations.Migration(2, "owner becomes team", (t, row) -> {
                    if (row.has("owner")) {
                        row.set("team", row.remove("owner"));
                    }
                    return row;
                }));
        try (SqliteStore s = new SqliteStore(dir, null, new Migrations(3, steps))) {
            assertThat(s.load().services()).hasSize(1); // the record has no 'team': tolerated
        }
        assertThat(json(dir, "services")).allMatch(j -> j.contains("\"team\":\"release-team\"") && !j.contains("owner"));
        assertThat(meta(dir, "schema")).isEqualTo("3");
        try (SqliteStore again = new SqliteStore(dir, null, new Migrations(3, steps))) { // at 3 already: nothing runs twice
            assertThat(again.load().services()).hasSize(1);
        }
        assertThat(json(dir, "services")).allMatch(j -> j.indexOf("\"team\"") == j.lastIndexOf("\"team\""));
    }

    @Test
    void a_migration_that_fails_leaves_the_database_as_it_was() throws Exception {
        restoreFixture(dir);
        List<String> before = json(dir, "deployments");
        Migrations broken = new Migrations(2, List.of(new Migrations.Migration(1, "fails on the second table", (t, row) -> {
            if (t == Store.Table.DEPLOYMENTS) {
                throw new IllegalStateException("cannot migrate " + row.get("id"));
            }
            return ((ObjectNode) row).put("touched", true);
        })));
        assertThatThrownBy(() -> new SqliteStore(dir, null, broken)).hasMessageContaining("cannot migrate");
        assertThat(meta(dir, "schema")).isEqualTo("1");
        assertThat(json(dir, "deployments")).isEqualTo(before);
        assertThat(json(dir, "roles")).noneMatch(j -> j.contains("touched"));
        try (SqliteStore s = new SqliteStore(dir)) {
            assertThat(s.load().deployments()).hasSize(2);
        }
    }

    @Test
    void a_database_from_a_newer_release_is_refused_saying_what_to_do() throws Exception {
        restoreFixture(dir);
        exec(dir, "UPDATE meta SET v = '9' WHERE k = 'schema'");
        assertThatThrownBy(() -> new SqliteStore(dir)).hasMessageContaining("written by a newer release (state schema 9)")
                .hasMessageContaining("reads schema " + Migrations.CURRENT + " and older");
    }

    @Test
    void a_field_the_record_does_not_know_is_tolerated() throws Exception {
        restoreFixture(dir);
        exec(dir, "UPDATE roles SET json = json_set(json, '$.futureField', 'x')");
        try (SqliteStore s = new SqliteStore(dir)) {
            assertThat(s.load().roles()).hasSize(1);
        }
    }

    @Test
    void every_schema_up_to_the_current_one_has_a_migration() {
        assertThat(Migrations.release().current()).isEqualTo(Migrations.CURRENT);
        assertThatThrownBy(() -> new Migrations(3, List.of(new Migrations.Migration(1, "only one", (t, r) -> r))))
                .hasMessage("no migration from schema 2 to 3");
    }

    /** The fixture's rows in a fresh database made by this release's store (tables as it makes them); returns the rows per table. */
    static Map<String, Integer> restoreFixture(Path dir) throws IOException, SQLException {
        new SqliteStore(dir).close();
        Map<String, Integer> counts = new TreeMap<>();
        try (InputStream in = StoredRowsTest.class.getResourceAsStream("/store/schema-1.rows");
             Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("steward.db"))) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList()) {
                if (line.startsWith("#") || line.isBlank()) {
                    continue;
                }
                String[] f = line.split("\t", 3);
                String sql = f[0].equals("meta") ? "INSERT OR REPLACE INTO meta (k, v) VALUES (?, ?)" : "INSERT INTO " + f[0] + " (id, json) VALUES (?, ?)";
                try (PreparedStatement p = c.prepareStatement(sql)) {
                    p.setString(1, f[1]);
                    p.setString(2, f[2]);
                    p.executeUpdate();
                }
                counts.merge(f[0], 1, Integer::sum);
            }
        }
        return counts;
    }

    static List<String> json(Path dir, String table) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("steward.db"));
             ResultSet r = c.createStatement().executeQuery("SELECT json FROM " + table + " ORDER BY rowid")) {
            List<String> out = new java.util.ArrayList<>();
            while (r.next()) {
                out.add(r.getString(1));
            }
            return out;
        }
    }

    static String meta(Path dir, String k) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("steward.db"));
             PreparedStatement p = c.prepareStatement("SELECT v FROM meta WHERE k = ?")) {
            p.setString(1, k);
            try (ResultSet r = p.executeQuery()) {
                return r.next() ? r.getString(1) : null;
            }
        }
    }

    static void exec(Path dir, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("steward.db"))) {
            c.createStatement().execute(sql);
        }
    }
}
