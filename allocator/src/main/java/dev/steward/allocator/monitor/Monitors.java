package dev.steward.allocator.monitor;

import dev.steward.allocator.state.ClusterState;
import dev.steward.allocator.state.NotFound;
import dev.steward.api.MonitorReport;

import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The monitors' reports, part of the state (owner thread only). */
public final class Monitors {
    private final ClusterState state;
    private final Map<String, MonitorReport> reports = new LinkedHashMap<>();

    public Monitors(ClusterState state) {
        this.state = state;
    }

    public MonitorReport get(String id) {
        MonitorReport r = reports.get(id);
        if (r == null) {
            throw new NotFound("monitor", id);
        }
        return r;
    }

    public MonitorReport getOrNull(String id) {
        return reports.get(id);
    }

    public List<MonitorReport> of(String service) {
        return reports.values().stream().filter(r -> r.service().equals(service)).toList();
    }

    /** The monitors still running, oldest first. */
    public List<MonitorReport> running() {
        return reports.values().stream().filter(MonitorReport::running).toList();
    }

    public void put(MonitorReport r) {
        reports.put(r.id(), new MonitorReport(r.id(), r.service(), r.spec(), r.running(), r.verdict(), r.reason(), r.startedAt(), r.endsAt(), r.endedAt(),
                r.gates(), r.rolledBack(), r.createIndex() == 0 ? state.nextIndex() : r.createIndex(), state.nextIndex()));
        state.changes().monitors.add(r.id());
    }

    public void restore(Collection<MonitorReport> rs) {
        rs.forEach(r -> reports.put(r.id(), r));
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
                resumed.add(reports.get(r.id()));
            }
        }
        return resumed;
    }
}
