package dev.steward.allocator.store;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Rows that arrive already stored (a replicated log's entries, a snapshot): a server of release
 * N+1 migrates what a leader of release N wrote; a server of release N refuses what N+1 wrote,
 * whole, and keeps what it had.
 */
class ReplicatedRowsTest {
    @TempDir
    Path dir;

    private static final Migrations NEXT = new Migrations(2, List.of(
            new Migrations.Migration(1, "roles gain 'note'", (t, row) -> t == Store.Table.ROLES ? ((ObjectNode) row).put("note", "migrated") : row)));

    private static Store.RowBatch roles(int schema, long index, String id, String json) {
        return new Store.RowBatch(index, index, schema, Map.of(Store.Table.ROLES, Map.of(id, json)), Set.of());
    }

    @Test
    void a_newer_server_migrates_the_rows_an_older_leader_wrote_and_records_the_position() throws Exception {
        try (SqliteStore s = new SqliteStore(dir, null, NEXT)) {
            s.apply(roles(1, 7, "r1", "{\"name\":\"r1\",\"weight\":1.0}"), 42);
            assertThat(s.logPosition()).isEqualTo(42);
            Store.Dump d = s.dump();
            assertThat(d.schema()).isEqualTo(2);
            assertThat(d.index()).isEqualTo(7);
            assertThat(d.rows().get(Store.Table.ROLES).get("r1")).contains("\"note\":\"migrated\"");
        }
    }

    @Test
    void an_older_server_refuses_rows_of_a_newer_release_whole_and_keeps_what_it_had() throws Exception {
        try (SqliteStore s = new SqliteStore(dir, null)) {
            s.apply(roles(1, 3, "kept", "{\"name\":\"kept\",\"weight\":1.0}"), 5);
            Store.RowBatch newer = new Store.RowBatch(4, 4, 2, Map.of(Store.Table.ROLES, Map.of("new", "{\"name\":\"new\"}"),
                    Store.Table.AGENTS, Map.of("a", "{}")), Set.of("kept"));
            assertThatThrownBy(() -> s.apply(newer, 6)).isInstanceOf(NewerSchema.class).hasMessageContaining("state schema 2")
                    .hasMessageContaining("upgrade");
            assertThatThrownBy(() -> s.replaceAll(new Store.Dump(9, 9, 9, 2, Map.of()))).isInstanceOf(NewerSchema.class);
            assertThat(s.logPosition()).isEqualTo(5);
            assertThat(s.dump().rows().get(Store.Table.ROLES)).containsOnlyKeys("kept");
            assertThat(s.dump().rows().get(Store.Table.AGENTS)).isEmpty();
        }
    }
}
