package dev.steward.allocator.monitor;

import dev.steward.api.GateReport;

import java.time.Instant;

/**
 * One evaluation of one gate of a monitor, stored as a row of its own (table
 * {@code monitor_points}): a tick appends one row per gate instead of rewriting the report, and
 * the report is assembled from its summary and its rows when read.
 */
public record PointRow(String monitor, int gate, long seq, Instant at, Double value, boolean passed) {

    /** The row's id: unique across every table, as the store deletes by id. */
    public String rowId() {
        return monitor + "/points/" + gate + "/" + seq;
    }

    GateReport.Point point() {
        return new GateReport.Point(at, value, passed);
    }
}
