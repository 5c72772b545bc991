package dev.steward.api;

import java.util.List;

/**
 * Several task reports from one agent in one request ({@code POST /v1/agents/ID/tasks/statuses}):
 * the oldest unacknowledged report of each of its tasks. The allocator applies each on its own,
 * as if sent alone, and makes them durable together.
 */
public record TaskReports(List<Report> reports) {
    /** The most reports one request may carry. */
    public static final int MAX = 256;

    /** One task's report. */
    public record Report(String task, TaskStatus status) {
    }

    /**
     * What became of one report: the task as stored ({@code info}), or why it was refused
     * ({@code status}, a 4xx code, and {@code error}). A refusal is final for that report; the
     * others in the request are unaffected.
     */
    public record Result(String task, TaskInfo info, Integer status, String error) {
    }

    /** Checks the shape; the reports themselves are checked as the single-report route checks them. */
    public TaskReports validate() {
        if (reports == null || reports.isEmpty()) {
            throw new ValidationException("reports", "is required: at least one report");
        }
        if (reports.size() > MAX) {
            throw new ValidationException("reports", "holds " + reports.size() + " reports; at most " + MAX + " fit in one request");
        }
        for (int i = 0; i < reports.size(); i++) {
            Report r = reports.get(i);
            if (r == null || r.task() == null || r.task().isBlank()) {
                throw new ValidationException("reports[" + i + "].task", "is required");
            }
            if (r.status() == null) {
                throw new ValidationException("reports[" + i + "].status", "is required");
            }
        }
        return this;
    }
}
