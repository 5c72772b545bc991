package dev.steward.allocator.engine;

import dev.steward.allocator.state.Changes;
import dev.steward.allocator.state.ClusterState;
import dev.steward.allocator.store.Store.Table;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/** The rows a batch of changes writes: each changed object as it now stands, by table (the engine's persist, on the owner thread). */
final class ChangedRows {
    private ChangedRows() {
    }

    /** The rows {@code state}'s pending changes touched; an object changed and then removed writes no row (its removal does). */
    static Map<Table, Map<String, Object>> of(ClusterState state) {
        Changes ch = state.changes();
        Map<Table, Map<String, Object>> puts = new EnumMap<>(Table.class);
        put(puts, Table.ROLES, ch.roles, state::role);
        put(puts, Table.AGENTS, ch.agents, state::agentOrNull);
        put(puts, Table.REQUESTS, ch.requests, state::requestOrNull);
        put(puts, Table.ALLOCATIONS, ch.allocations, state::allocationOrNull);
        put(puts, Table.TOKENS, ch.tokens, state::token);
        put(puts, Table.TASKS, ch.tasks, id -> state.tasks().getOrNull(id));
        put(puts, Table.PACKAGES, ch.packages, id -> state.packages().getOrNull(id));
        put(puts, Table.SERVICES, ch.services, id -> state.services().recordOrNull(id));
        put(puts, Table.REVISIONS, ch.revisions, id -> state.services().revisionRecord(id));
        put(puts, Table.DEPLOYMENTS, ch.deployments, id -> state.services().deploymentRecord(id));
        put(puts, Table.INSTANCES, ch.instances, id -> state.services().instanceRecord(id));
        put(puts, Table.MONITORS, ch.monitors, id -> state.monitors().getOrNull(id));
        put(puts, Table.MONITOR_POINTS, ch.monitorPoints, id -> state.monitors().row(id));
        put(puts, Table.SECRETS, ch.secrets, id -> state.services().secrets().recordOrNull(id));
        return puts;
    }

    /**
     * The ids the batch removes. The store applies a batch's removals after its rows, so an id
     * removed and then made again in the same batch (a service deleted and deployed anew, its
     * revision numbers starting over) is left out: its new row stands.
     */
    static Set<String> removals(ClusterState state, Map<Table, Map<String, Object>> puts) {
        Set<String> out = new java.util.LinkedHashSet<>(state.removed());
        puts.values().forEach(rows -> out.removeAll(rows.keySet()));
        return out;
    }

    private static void put(Map<Table, Map<String, Object>> puts, Table t, Set<String> ids, Function<String, Object> get) {
        if (ids.isEmpty()) {
            return;
        }
        Map<String, Object> rows = new LinkedHashMap<>();
        for (String id : ids) {
            Object o = get.apply(id);
            if (o != null) {
                rows.put(id, o);
            }
        }
        puts.put(t, rows);
    }
}
