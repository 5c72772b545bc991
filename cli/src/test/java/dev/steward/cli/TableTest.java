package dev.steward.cli;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TableTest {
    private static String[] lines(Table t) {
        return t.render().split(System.lineSeparator());
    }

    @Test
    void each_column_is_as_wide_as_its_widest_cell_so_a_long_name_moves_the_columns_after_it_in_every_row() {
        Table t = Table.of("ALLOCATION", "NAME", "STATE")
                .row("7ee67b2601f16bba", "web-staging-0f548b70e6b1cf86-0", "allocated")
                .row("b43fcfe04a582aa7", "x", "released");
        assertThat(lines(t)).containsExactly(
                "ALLOCATION        NAME                            STATE",
                "7ee67b2601f16bba  web-staging-0f548b70e6b1cf86-0  allocated",
                "b43fcfe04a582aa7  x                               released");
    }

    @Test
    void the_last_column_is_not_padded_a_null_cell_prints_as_nothing_and_no_line_ends_in_spaces() {
        Table t = Table.of("TASK", "EXIT", "WHY").row("a", null, null).row("b", 137, "killed: out of memory");
        assertThat(lines(t)).containsExactly(
                "TASK  EXIT  WHY",
                "a",
                "b     137   killed: out of memory");
    }

    @Test
    void a_right_aligned_column_and_an_indent() {
        Table t = Table.indented("  ", "NAME", "SIZE").alignRight(1).row("web", "2.1 KiB").row("database", "118 MiB");
        assertThat(lines(t)).containsExactly(
                "  NAME         SIZE",
                "  web       2.1 KiB",
                "  database  118 MiB");
    }

    @Test
    void a_header_wider_than_its_cells_sets_the_width_and_an_empty_table_is_its_header() {
        assertThat(lines(Table.of("PRIORITY", "STATE").row("5", "x"))).containsExactly("PRIORITY  STATE", "5         x");
        assertThat(Table.of("A", "B").render()).isEqualTo("A  B" + System.lineSeparator());
    }

    @Test
    void a_row_of_the_wrong_size_is_a_programming_error_said_plainly() {
        assertThatThrownBy(() -> Table.of("A", "B").row("only one")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a row of 1 cells in a table of 2 columns");
    }
}
