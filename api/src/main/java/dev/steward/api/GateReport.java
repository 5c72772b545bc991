package dev.steward.api;

import java.time.Instant;
import java.util.List;

/**
 * One gate over a monitor: its text, verdict, how many evaluations failed (of how many, and how
 * many had no data), the last value measured, the reason, and every point measured.
 */
public record GateReport(String gate, Verdict verdict, int failures, int evaluations, int noData, Double lastValue, String lastText, String bound,
                         String reason, List<Point> points) {

    /** One evaluation: when, the value (null: no data), whether it held. */
    public record Point(Instant at, Double value, boolean passed) {
    }
}
