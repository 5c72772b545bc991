package dev.steward.allocator.monitor;

import dev.steward.allocator.state.ClusterState;
import dev.steward.allocator.state.NotFound;
import dev.steward.api.GateReport;
import dev.steward.api.MonitorReport;
import dev.steward.monitor.Judge;

import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The monitors' reports, part of the state (owner thread only). A report is kept as a summary
 * (verdict, reason, each gate's counts and last value; table {@code monitors}) and its points as
 * rows of their own ({@link PointRow}, table {@code monitor_points}): a tick rewrites the small
 * summary and appends one row per gate, and a gate keeps its latest {@link Judge#MAX_POINTS}
 * rows (older ones are deleted), so a tick costs the same at any age. Reports are assembled from
 * both when read ({@link #get}, {@link #of}, {@link #running}); {@link #getOrNull} is the summary.
 * A service keeps its latest {@link #KEEP_ENDED} ended reports; a deleted service's go with it.
 */
public final class Monitors {
    /** Ended reports kept per service; one a kept deployment names as its canary gate is among them, and is never removed. */
    public static final int KEEP_ENDED = 20;
    private final ClusterState state;
    private final Map<String, MonitorReport> reports = new LinkedHashMap<>();
    private final Map<String, List<java.util.ArrayDeque<PointRow>>> points = new java.util.HashMap<>(); // monitor → its gates' latest rows
    private final Map<String, PointRow> rows = new java.util.HashMap<>(); // row id → row, for the store

    public Monitors(ClusterState state) {
        this.state = state;
    }

    /** The whole report: the summary with each gate's points. */
    public MonitorReport get(String id) {
        MonitorReport r = reports.get(id);
        if (r == null) {
            throw new NotFound("monitor", id);
        }
        return assemble(r);
    }

    /** The summary as stored (each gate's counts and last value, no points), or null. */
    public MonitorReport getOrNull(String id) {
        return reports.get(id);
    }

    public List<MonitorReport> of(String service) {
        return reports.values().stream().filter(r -> r.service().equals(service)).map(this::assemble).toList();
    }

    /** How many monitors run now whose summary {@code which} accepts (no points assembled). */
    public long runningCount(java.util.function.Predicate<MonitorReport> which) {
        return reports.values().stream().filter(r -> r.running() && which.test(r)).count();
    }

    /** The monitors still running, oldest first. */
    public List<MonitorReport> running() {
        return reports.values().stream().filter(MonitorReport::running).map(this::assemble).toList();
    }

    /**
     * Stores a report's summary; points it carries are not stored with it (they are appended as
     * rows: {@link #append}). A new report makes room: its service keeps its latest
     * {@link #KEEP_ENDED} ended reports ({@link #trim}).
     */
    public void put(MonitorReport r) {
        MonitorReport before = reports.get(r.id());
        count(before, r);
        List<GateReport> gates = r.gates() == null ? null : r.gates().stream().map(g -> g.points() == null || g.points().isEmpty() ? g
                : new GateReport(g.gate(), g.verdict(), g.failures(), g.evaluations(), g.noData(), g.lastValue(), g.lastText(), g.bound(), g.reason(),
                List.of())).toList();
        reports.put(r.id(), new MonitorReport(r.id(), r.service(), r.spec(), r.running(), r.verdict(), r.reason(), r.startedAt(), r.endsAt(), r.endedAt(),
                gates, r.rolledBack(), r.createIndex() == 0 ? state.nextIndex() : r.createIndex(), state.nextIndex()));
        state.changes().monitors.add(r.id());
        if (before == null) {
            trim(r.service());
        }
    }

    /**
     * Forgets the oldest ended reports of {@code service} past the latest {@link #KEEP_ENDED},
     * with their points; a report a kept deployment names as its canary gate stays. So a service
     * monitored again and again keeps a bounded history, as Argo Rollouts keeps its analysis runs.
     */
    private void trim(String service) {
        List<MonitorReport> ended = reports.values().stream().filter(m -> !m.running() && m.service().equals(service)).toList();
        if (ended.size() <= KEEP_ENDED) {
            return;
        }
        java.util.Set<String> gates = new java.util.HashSet<>();
        if (state.services().recordOrNull(service) != null) {
            state.services().deploymentsOf(service).stream().filter(d -> d.gate() != null).forEach(d -> gates.add(d.gate().monitor()));
        }
        int extra = ended.size() - KEEP_ENDED;
        for (MonitorReport m : ended) { // oldest first: reports keep the order they were started in
            if (extra == 0) {
                break;
            }
            if (!gates.contains(m.id())) {
                remove(m.id());
                extra--;
            }
        }
    }

    private void remove(String id) {
        reports.remove(id);
        state.removed().add(id);
        for (java.util.ArrayDeque<PointRow> gate : points.getOrDefault(id, List.of())) {
            for (PointRow row : gate) {
                rows.remove(row.rowId());
                state.removed().add(row.rowId());
            }
        }
        points.remove(id);
    }

    /** Appends one evaluation of gate {@code gate} of monitor {@code id}; the gate's oldest row goes once it has more than {@link Judge#MAX_POINTS}. */
    public void append(String id, int gate, GateReport.Point p) {
        java.util.ArrayDeque<PointRow> rs = gateRows(id, gate);
        long seq = rs.isEmpty() ? 0 : rs.peekLast().seq() + 1;
        PointRow row = new PointRow(id, gate, seq, p.at(), p.value(), p.passed());
        rs.addLast(row);
        rows.put(row.rowId(), row);
        state.changes().monitorPoints.add(row.rowId());
        while (rs.size() > Judge.MAX_POINTS) {
            PointRow old = rs.removeFirst();
            rows.remove(old.rowId());
            state.changes().monitorPoints.remove(old.rowId());
            state.removed().add(old.rowId());
        }
    }

    /**
     * Ends every running monitor of {@code service}, inconclusive, saying why (its service is
     * being deleted); the runner sees it ended at its next tick and stops scraping.
     */
    public void stopRunning(String service, String why, Instant now) {
        for (MonitorReport r : List.copyOf(reports.values())) {
            if (r.running() && r.service().equals(service)) {
                put(new MonitorReport(r.id(), r.service(), r.spec(), false, dev.steward.api.Verdict.INCONCLUSIVE, why, r.startedAt(), r.endsAt(), now,
                        Judge.stopped(r.gates(), why), null, r.createIndex(), r.modifyIndex()));
            }
        }
    }

    /** Forgets every report of {@code service} and its points, in the state and in the store (the service itself is gone). */
    public void forget(String service) {
        for (MonitorReport r : List.copyOf(reports.values())) {
            if (r.service().equals(service)) {
                remove(r.id());
            }
        }
    }

    /** A stored point row by its id (for the store), or null. */
    public PointRow row(String rowId) {
        return rows.get(rowId);
    }

    private java.util.ArrayDeque<PointRow> gateRows(String id, int gate) {
        List<java.util.ArrayDeque<PointRow>> gs = points.computeIfAbsent(id, k -> new java.util.ArrayList<>());
        while (gs.size() <= gate) {
            gs.add(new java.util.ArrayDeque<>());
        }
        return gs.get(gate);
    }

    /** The summary with its gates' points: rows appended, after any a report stored before points had rows of their own. */
    private MonitorReport assemble(MonitorReport r) {
        List<java.util.ArrayDeque<PointRow>> gs = points.get(r.id());
        if (r.gates() == null || gs == null) {
            return r;
        }
        List<GateReport> gates = new java.util.ArrayList<>();
        for (int i = 0; i < r.gates().size(); i++) {
            GateReport g = r.gates().get(i);
            if (i >= gs.size() || gs.get(i).isEmpty()) {
                gates.add(g);
                continue;
            }
            List<GateReport.Point> ps = new java.util.ArrayList<>(g.points() == null ? List.of() : g.points());
            gs.get(i).forEach(row -> ps.add(row.point()));
            gates.add(new GateReport(g.gate(), g.verdict(), g.failures(), g.evaluations(), g.noData(), g.lastValue(), g.lastText(), g.bound(), g.reason(),
                    List.copyOf(ps.subList(Math.max(0, ps.size() - Judge.MAX_POINTS), ps.size()))));
        }
        return new MonitorReport(r.id(), r.service(), r.spec(), r.running(), r.verdict(), r.reason(), r.startedAt(), r.endsAt(), r.endedAt(), gates,
                r.rolledBack(), r.createIndex(), r.modifyIndex());
    }

    /** Counts, for the metrics, the gate evaluations and the final verdict {@code r} adds to {@code before}. */
    private void count(MonitorReport before, MonitorReport r) {
        if (r.verdict() != null && !r.running() && (before == null || before.running() || before.verdict() == null)) {
            state.stats().verdict(r.verdict());
        }
        if (r.gates() == null) {
            return;
        }
        for (int i = 0; i < r.gates().size(); i++) {
            GateReport g = r.gates().get(i);
            int was = before == null || before.gates() == null || i >= before.gates().size() ? 0 : before.gates().get(i).evaluations();
            state.stats().evaluated(g.verdict(), g.evaluations() - was);
        }
    }

    public void restore(Collection<MonitorReport> rs, Collection<PointRow> stored) {
        rs.forEach(r -> reports.put(r.id(), r));
        stored.stream().sorted(java.util.Comparator.comparingLong(PointRow::seq)).forEach(row -> {
            gateRows(row.monitor(), row.gate()).addLast(row);
            rows.put(row.rowId(), row);
        });
    }

    /**
     * After a restart: a monitor that was running goes on (the caller {@linkplain
     * MonitorRunner#resume resumes} each one returned). Its evaluations so far are in its record;
     * only the samples of the last window were in memory, so rates and quantiles have data again
     * from the second interval after the restart.
     */
    public List<MonitorReport> afterRestart(Instant now) {
        List<MonitorReport> resumed = new java.util.ArrayList<>();
        for (MonitorReport r : List.copyOf(reports.values())) {
            if (r.running()) {
                int kept = r.gates() == null || r.gates().isEmpty() ? 0 : r.gates().get(0).evaluations();
                put(new MonitorReport(r.id(), r.service(), r.spec(), true, null, "resumed after the allocator restarted at " + now + "; " + kept
                        + " evaluations before it kept", r.startedAt(), r.endsAt(), null, r.gates(), r.rolledBack(), r.createIndex(), r.modifyIndex()));
                resumed.add(get(r.id())); // with its points: the resumed judge goes on from them
            }
        }
        return resumed;
    }
}
