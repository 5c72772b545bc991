package dev.steward.allocator.state;

import java.util.LinkedHashSet;
import java.util.Set;

/** What one command changed, by id; the engine persists exactly these rows with the new index. */
public final class Changes {
    public final Set<String> agents = new LinkedHashSet<>();
    public final Set<String> roles = new LinkedHashSet<>();
    public final Set<String> requests = new LinkedHashSet<>();
    public final Set<String> allocations = new LinkedHashSet<>();
    public final Set<String> tokens = new LinkedHashSet<>();
    public final Set<String> tasks = new LinkedHashSet<>();
    public final Set<String> packages = new LinkedHashSet<>();
    public final Set<String> services = new LinkedHashSet<>();
    public final Set<String> revisions = new LinkedHashSet<>();
    public final Set<String> deployments = new LinkedHashSet<>();
    public final Set<String> instances = new LinkedHashSet<>();
    public final Set<String> monitors = new LinkedHashSet<>();
    public final Set<String> secrets = new LinkedHashSet<>();
    /** Monitor points appended (row ids, see {@code monitor.PointRow}). */
    public final Set<String> monitorPoints = new LinkedHashSet<>();

    /** How many records are marked changed: grows as a command changes records not yet marked. */
    public int size() {
        return agents.size() + roles.size() + requests.size() + allocations.size() + tokens.size() + tasks.size() + packages.size()
                + services.size() + revisions.size() + deployments.size() + instances.size() + monitors.size() + monitorPoints.size() + secrets.size();
    }

    public boolean isEmpty() {
        return agents.isEmpty() && roles.isEmpty() && requests.isEmpty() && allocations.isEmpty() && tokens.isEmpty() && tasks.isEmpty() && packages.isEmpty()
                && services.isEmpty() && revisions.isEmpty() && deployments.isEmpty() && instances.isEmpty() && secrets.isEmpty()
                && monitors.isEmpty() && monitorPoints.isEmpty();
    }

    public void clear() {
        agents.clear();
        roles.clear();
        requests.clear();
        allocations.clear();
        tokens.clear();
        tasks.clear();
        packages.clear();
        services.clear();
        revisions.clear();
        secrets.clear();
        deployments.clear();
        instances.clear();
        monitors.clear();
        monitorPoints.clear();
    }
}
