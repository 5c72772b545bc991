package dev.steward.api;

import java.time.Instant;
import java.util.List;

/**
 * A monitor of a service: its spec, whether it still runs, the verdict (null while running with
 * nothing failed yet) and why, each gate's report, and whether it rolled the deployment back.
 */
public record MonitorReport(String id, String service, MonitorSpec spec, boolean running, Verdict verdict, String reason, Instant startedAt,
                            Instant endsAt, Instant endedAt, List<GateReport> gates, String rolledBack, long createIndex, long modifyIndex) {
}
