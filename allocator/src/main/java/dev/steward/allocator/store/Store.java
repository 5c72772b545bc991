package dev.steward.allocator.store;

import dev.steward.allocator.state.RoleRecord;
import dev.steward.allocator.state.TokenRecord;
import dev.steward.api.AgentInfo;
import dev.steward.api.AllocationInfo;
import dev.steward.api.RequestInfo;

import java.util.List;
import java.util.Map;
import java.util.Set;

/** Where the state is made durable: one atomic batch per command. */
public interface Store extends AutoCloseable {
    /** Everything stored, to rebuild the state from at start. */
    record Loaded(long index, long sequence, List<RoleRecord> roles, List<AgentInfo> agents, List<RequestInfo> requests,
                  List<AllocationInfo> allocations, List<TokenRecord> tokens, List<dev.steward.api.TaskInfo> tasks,
                  List<dev.steward.api.PackageInfo> packages, List<dev.steward.allocator.deploy.ServiceRecord> services,
                  List<dev.steward.api.RevisionInfo> revisions, List<dev.steward.api.DeploymentInfo> deployments,
                  List<dev.steward.api.InstanceInfo> instances, List<dev.steward.api.MonitorReport> monitors,
                  List<dev.steward.allocator.monitor.PointRow> monitorPoints, List<dev.steward.allocator.deploy.SecretRecord> secrets) {
    }

    /** One command's changes: rows to put, by table and id, and ids to delete from every table. */
    record Batch(long index, long sequence, Map<Table, Map<String, Object>> puts, Set<String> deletes) {
    }

    /**
     * A batch as stored: each row already in its stored shape (JSON, secrets sealed), written by
     * a release whose state schema is {@code schema}. What a replicated log carries, and what a
     * follower writes as it is.
     */
    record RowBatch(long index, long sequence, int schema, Map<Table, Map<String, String>> puts, Set<String> deletes) {
    }

    /** Every stored row and the counters, as of one moment: what a snapshot holds. */
    record Dump(long index, long sequence, long logPosition, int schema, Map<Table, Map<String, String>> rows) {
    }

    /** The tables, each with the record its rows hold. */
    enum Table {
        ROLES(RoleRecord.class), AGENTS(AgentInfo.class), REQUESTS(RequestInfo.class), ALLOCATIONS(AllocationInfo.class), TOKENS(TokenRecord.class),
        TASKS(dev.steward.api.TaskInfo.class), PACKAGES(dev.steward.api.PackageInfo.class), SERVICES(dev.steward.allocator.deploy.ServiceRecord.class),
        REVISIONS(dev.steward.api.RevisionInfo.class), DEPLOYMENTS(dev.steward.api.DeploymentInfo.class), INSTANCES(dev.steward.api.InstanceInfo.class),
        MONITORS(dev.steward.api.MonitorReport.class), MONITOR_POINTS(dev.steward.allocator.monitor.PointRow.class),
        SECRETS(dev.steward.allocator.deploy.SecretRecord.class);

        private final Class<?> type;

        Table(Class<?> type) {
            this.type = type;
        }

        public Class<?> type() {
            return type;
        }
    }

    Loaded load();

    /** Every stored row and the counters, as of one moment (what {@code GET /v1/snapshot} serves). */
    default Dump dump() {
        throw new UnsupportedOperationException("this store cannot be read whole");
    }

    /** Writes the batch atomically and durably; returns only after the commit. */
    void write(Batch batch);

    @Override
    void close();
}
