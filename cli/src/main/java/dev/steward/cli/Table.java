package dev.steward.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * A table for a terminal: each column as wide as its widest cell, columns two spaces apart, the last
 * one not padded, so that a long name or reason moves the columns after it instead of pushing its row
 * out of line with the others (as {@code kubectl get} and {@code nomad status} print theirs). Cells
 * are printed as given: a command makes what it shows safe for a terminal before it puts it here.
 */
final class Table {
    private static final String GAP = "  ";

    private final String indent;
    private final String[] headers;
    private final boolean[] right;
    private final List<String[]> rows = new ArrayList<>();

    private Table(String indent, String... headers) {
        this.indent = indent;
        this.headers = headers.clone();
        this.right = new boolean[headers.length];
    }

    static Table of(String... headers) {
        return new Table("", headers);
    }

    /** A table whose every line begins with {@code indent} (a table under a heading). */
    static Table indented(String indent, String... headers) {
        return new Table(indent, headers);
    }

    /** Aligns {@code column} (from 0) to the right, as a column of sizes is. */
    Table alignRight(int column) {
        right[column] = true;
        return this;
    }

    /** Adds a row of as many cells as there are headers; a null cell prints as nothing. */
    Table row(Object... cells) {
        if (cells.length != headers.length) {
            throw new IllegalArgumentException("a row of " + cells.length + " cells in a table of " + headers.length + " columns");
        }
        String[] r = new String[cells.length];
        for (int i = 0; i < cells.length; i++) {
            r[i] = cells[i] == null ? "" : cells[i].toString();
        }
        rows.add(r);
        return this;
    }

    /** The header line and every row, each ending in a line separator. */
    String render() {
        int[] width = new int[headers.length];
        for (int i = 0; i < headers.length; i++) {
            width[i] = headers[i].length();
        }
        for (String[] r : rows) {
            for (int i = 0; i < r.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        StringBuilder out = new StringBuilder();
        line(out, headers, width);
        for (String[] r : rows) {
            line(out, r, width);
        }
        return out.toString();
    }

    void print(PrintStream out) {
        out.print(render());
        out.flush();
    }

    private void line(StringBuilder out, String[] cells, int[] width) {
        StringBuilder l = new StringBuilder(indent);
        for (int i = 0; i < cells.length; i++) {
            boolean last = i == cells.length - 1;
            String pad = " ".repeat(width[i] - cells[i].length());
            if (right[i]) {
                l.append(pad).append(cells[i]);
            } else {
                l.append(cells[i]).append(last ? "" : pad);
            }
            if (!last) {
                l.append(GAP);
            }
        }
        int end = l.length();
        while (end > 0 && l.charAt(end - 1) == ' ') {
            end--;
        }
        out.append(l, 0, end).append(System.lineSeparator());
    }
}
