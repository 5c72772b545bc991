package dev.steward.allocator.deploy;

import dev.steward.allocator.state.ClusterState;
import dev.steward.allocator.state.NotFound;
import dev.steward.api.DeployRequest;
import dev.steward.api.DeployResult;
import dev.steward.api.DeploymentInfo;
import dev.steward.api.Endpoint;
import dev.steward.api.InstanceInfo;
import dev.steward.api.InstanceState;
import dev.steward.api.Limits;
import dev.steward.api.RevisionInfo;
import dev.steward.api.RolloutSpec;
import dev.steward.api.ServiceInfo;
import dev.steward.api.Validation;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Services (app × env), their revisions, deployments and instances: the records and their
 * indexes, the queries, and the entry points of what changes them: deploy and rollback
 * ({@link Deploys}), delete ({@link Deletes}), pause, resume and abort ({@link DeploymentActions}),
 * and {@link #reconcile}, which the engine runs after every command and tick ({@link Reconciles}).
 * Part of {@link ClusterState}, owned by its thread.
 */
public final class Services {
    public static final int KEEP_REVISIONS = 10;
    private static final int KEEP_DEPLOYMENTS = 20;
    private final ClusterState state;
    private final Deploys deploys;
    private final Restarts restarts;
    private final Plans plans;
    private final Deletes deletes;
    private final InstanceRestarts instanceRestarts;
    private final DeploymentActions actions;
    private final Reconciles reconciles;
    private final ServiceSecrets secrets;
    private final Map<String, ServiceRecord> services = new TreeMap<>();
    private final Map<String, RevisionInfo> revisions = new HashMap<>();
    private final Map<String, DeploymentInfo> deployments = new LinkedHashMap<>();
    /** Service name → its deployments' ids, oldest first. */
    private final Map<String, List<String>> deploymentsByService = new HashMap<>();
    private final Map<String, InstanceInfo> instances = new LinkedHashMap<>();
    private final Map<String, String> serviceByRef = new java.util.HashMap<>(); // an instance's request, allocation and task ids → its service
    private final Map<String, List<String>> instancesByService = new HashMap<>();

    /** Starts the monitor of a canary gate; the allocator's monitor runner, set at start. */
    public interface GateStarter {
        void start(String monitorId, String service, dev.steward.api.MonitorSpec spec);
    }

    private GateStarter gateStarter = (id, svc, spec) -> { };

    public void gateStarter(GateStarter g) {
        this.gateStarter = g;
    }

    GateStarter gateStarter() {
        return gateStarter;
    }

    public Services(ClusterState state) {
        this.state = state;
        this.deploys = new Deploys(state, this);
        this.restarts = new Restarts(this, deploys);
        this.plans = new Plans(state, this, deploys, restarts);
        this.deletes = new Deletes(state, this);
        this.instanceRestarts = new InstanceRestarts(state, this, deploys);
        this.actions = new DeploymentActions(state, this);
        this.reconciles = new Reconciles(state, this, new Controller(state, this), deletes);
        this.secrets = new ServiceSecrets(state, this);
    }

    /** The secrets roles keep for their services, which instances get as files. */
    public ServiceSecrets secrets() {
        return secrets;
    }

    public static String name(String app, String env) {
        return Validation.name("app", app) + "/" + Validation.name("env", env);
    }

    /**
     * The name of the allocation an instance asks for: {@code app-env-instance}, so that each instance's allocation is told apart
     * in a list of allocations, with app and env cut to fit the name limit (the allocation adds {@code -0} to its request's name).
     * A null {@code instance} gives a name of the same limit for checking an instance's allocation before there is one.
     */
    static String allocationName(String app, String env, String instance) {
        String id = instance == null ? "0".repeat(16) : instance;
        String service = app + "-" + env;
        int room = Limits.MAX_NAME - "-0".length() - 1 - id.length();
        return (service.length() > room ? service.substring(0, room) : service) + "-" + id;
    }

    static String revisionId(String service, int n) {
        return service + "#" + n;
    }

    // ---------------------------------------------------------------- commands

    /**
     * A deploy: a new revision and a deployment of it, or a scale, or a no-op that says so. With
     * {@code promoteFrom}, the run spec is the source environment's stable revision, exactly.
     */
    public DeployResult deploy(String app, String env, String role, DeployRequest req, String who, Instant now) {
        return deploys.deploy(app, env, role, req, who, now);
    }

    /** What {@link #deploy} would do, with the same checks, changing nothing: a read ({@code POST /v1/services/APP/ENV/plan}). */
    public dev.steward.api.DeployPlan plan(String app, String env, String role, DeployRequest req, Instant now) {
        return plans.deploy(app, env, role, req, now);
    }

    /** Rolls back to a kept revision (default: back from what runs; see {@link Deploys}) as a new revision with its spec. */
    public DeployResult rollback(String name, Integer to, String who, Instant now) {
        return deploys.rollback(name, to, who, now);
    }

    /** What {@link #rollback} would do, with the same checks, changing nothing: a read ({@code POST /v1/services/APP/ENV/rollback/plan}). */
    public dev.steward.api.DeployPlan planRollback(String name, Integer to) {
        return plans.rollback(name, to);
    }

    /** A rolling restart ({@link Restarts#restart}): every instance replaced by a fresh one of the same package and config. */
    public DeployResult restart(String name, dev.steward.api.RestartRequest req, String who, Instant now) {
        return restarts.restart(name, req, who, now);
    }

    /**
     * Restarts one instance ({@link InstanceRestarts}): a fresh one of its revision takes its place,
     * then it stops. Returns it as it is; asked again meanwhile, it changes nothing.
     */
    public InstanceInfo restartInstance(String name, String id, String reason, String who, Instant now) {
        return instanceRestarts.restart(name, id, reason, who, now);
    }

    /** What {@link #restart} would do, with the same checks, changing nothing: a read ({@code POST /v1/services/APP/ENV/restart/plan}). */
    public dev.steward.api.DeployPlan planRestart(String name, dev.steward.api.RestartRequest req) {
        return plans.restart(name, req);
    }

    /**
     * Deletes a service ({@link Deletes}): true if it is gone already (nothing of it was running),
     * false while its instances stop. Asked again while they stop, it changes nothing.
     */
    public boolean delete(String name, String who, Instant now) {
        return deletes.delete(name, who, now);
    }

    public DeploymentInfo pause(String id, String who, Instant now) {
        return actions.pause(id, who, now);
    }

    /** Resumes a paused deployment; for a canary waiting at a step, this is the promote to the next step ({@link DeploymentActions}). */
    public DeploymentInfo resume(String id, String who, boolean promote, Instant now) {
        return actions.resume(id, who, promote, now);
    }

    /** Aborts: the stable revision takes over again ({@link DeploymentActions#abort}). */
    public DeploymentInfo abort(String id, String who, Instant now) {
        return actions.abort(id, who, now);
    }

    /** The ticker's pass ({@link Reconciles#reconcile(Instant)}): the services due, and now and then all. True if anything changed. */
    public boolean reconcile(Instant now) {
        return reconciles.reconcile(now);
    }

    /** Reconciles only the services that {@code changes} touch ({@link Reconciles}). True if anything changed. */
    public boolean reconcile(Instant now, dev.steward.allocator.state.Changes changes) {
        return reconciles.reconcile(now, changes);
    }

    /** One service now, and when it is due next. */
    boolean reconcileOne(ServiceRecord s, Instant now) {
        return reconciles.one(s, now);
    }

    /** The service an instance's request, allocation or task belongs to, or null. */
    String serviceOfRef(String ref) {
        return serviceByRef.get(ref);
    }

    /** Every service's name, in order. */
    List<String> names() {
        return List.copyOf(services.keySet());
    }

    private void index(InstanceInfo i) {
        for (String ref : java.util.Arrays.asList(i.requestId(), i.allocationId(), i.taskId())) {
            if (ref != null) {
                serviceByRef.put(ref, i.service());
            }
        }
    }

    // ---------------------------------------------------------------- queries

    /** The service, or null when there is none by that name. */
    public ServiceRecord recordOrNull(String name) {
        return services.get(name);
    }

    /** How many services {@code role} has, those being deleted included. */
    long countOf(String role) {
        return services.values().stream().filter(s -> s.role().equals(role)).count();
    }

    /** The role a service belongs to, or null if there is no such service. */
    public String roleOf(String name) {
        ServiceRecord r = recordOrNull(name);
        return r == null ? null : r.role();
    }

    public ServiceRecord record(String name) {
        ServiceRecord s = services.get(name);
        if (s == null) {
            throw new NotFound("service", name);
        }
        return s;
    }

    public RevisionInfo revisionRecord(String id) {
        return revisions.get(id);
    }

    public DeploymentInfo deploymentRecord(String id) {
        return deployments.get(id);
    }

    public InstanceInfo instanceRecord(String id) {
        return instances.get(id);
    }

    public DeploymentInfo deployment(String id) {
        DeploymentInfo d = deployments.get(id);
        if (d == null) {
            throw new NotFound("deployment", id);
        }
        return d;
    }

    public ServiceInfo info(String name) {
        ServiceRecord s = record(name);
        int running = 0;
        int available = 0;
        int stopping = 0;
        for (InstanceInfo i : instancesOf(name)) {
            if (!i.state().terminal() && !i.stopRequested()) {
                running++;
                available += i.state() == InstanceState.HEALTHY ? 1 : 0;
            } else if (!i.state().terminal()) {
                stopping++;
            }
        }
        DeploymentInfo last = lastDeployment(name);
        return new ServiceInfo(s.name(), s.app(), s.env(), s.role(), s.instances(), s.revision(), s.stable(), s.active(), s.deployment(), running,
                available, stopping, s.createdAt(), s.updatedAt(), s.createIndex(), s.modifyIndex(), s.deletingSince(), last == null ? null
                        : new ServiceInfo.LastDeployment(last.id(), last.revision(), last.state(), last.reason(), last.updatedAt()), s.priorityValue(),
                s.failures(), s.replaceNotBefore());
    }

    /** The service's newest deployment kept, or null. */
    DeploymentInfo lastDeployment(String name) {
        List<String> ds = deploymentsByService.getOrDefault(name, List.of());
        return ds.isEmpty() ? null : deployments.get(ds.get(ds.size() - 1));
    }

    public List<ServiceInfo> list() {
        return services.keySet().stream().map(this::info).toList();
    }

    public List<RevisionInfo> revisionsOf(String name) {
        record(name);
        return revisions.values().stream().filter(r -> r.service().equals(name)).sorted(Comparator.comparingInt(RevisionInfo::number).reversed()).toList();
    }

    /** Every deployment kept, of every service (for the metrics: one pass). */
    public java.util.Collection<DeploymentInfo> allDeployments() {
        return java.util.Collections.unmodifiableCollection(deployments.values());
    }

    public List<DeploymentInfo> deploymentsOf(String name) {
        record(name);
        List<DeploymentInfo> out = new ArrayList<>();
        for (String id : deploymentsByService.getOrDefault(name, List.of())) {
            out.add(deployments.get(id));
        }
        java.util.Collections.reverse(out);
        return out;
    }

    /**
     * For placement's anti-affinity: when {@code requestId} asks for an instance of a service,
     * the requests of the service's other instances that are not ending; otherwise none.
     */
    public List<String> siblingRequests(String requestId) {
        String service = serviceByRef.get(requestId);
        if (service == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (InstanceInfo i : instancesOf(service)) {
            if (i.requestId() != null && !i.requestId().equals(requestId) && !i.state().terminal() && !i.stopRequested()) {
                out.add(i.requestId());
            }
        }
        return out;
    }

    public List<InstanceInfo> instancesOf(String name) {
        List<InstanceInfo> out = new ArrayList<>();
        for (String id : instancesByService.getOrDefault(name, List.of())) {
            out.add(instances.get(id));
        }
        return out;
    }

    /** Discovery: the available instances of the active revision set (both sets, outside a blue/green switch). */
    public List<Endpoint> endpoints(String name) {
        ServiceRecord s = record(name);
        DeploymentInfo d = s.deployment() == null ? null : deployments.get(s.deployment());
        boolean blueGreen = d != null && d.rollout().type() == RolloutSpec.Strategy.BLUEGREEN && s.active() != null;
        List<Endpoint> out = new ArrayList<>();
        for (InstanceInfo i : instancesOf(name)) {
            if (i.state() == InstanceState.HEALTHY && !i.stopRequested() && (!blueGreen || i.revision() == s.active())) {
                out.add(new Endpoint(i.id(), i.revision(), i.host(), i.ports()));
            }
        }
        return out;
    }

    /** Digests the kept revisions run: their packages are not garbage. */
    public java.util.Set<String> packageDigests() {
        java.util.Set<String> out = new java.util.HashSet<>();
        revisions.values().forEach(r -> out.add(r.spec().packageDigest()));
        return out;
    }

    /** The kept revisions that run {@code digest}, of every service. */
    public List<RevisionInfo> revisionsUsing(String digest) {
        return revisions.values().stream().filter(r -> digest.equals(r.spec().packageDigest())).toList();
    }

    /** Digest → the roles whose services keep a revision of it (for packages stored before they had roles). */
    public Map<String, java.util.Set<String>> packageRoles() {
        Map<String, java.util.Set<String>> out = new HashMap<>();
        for (RevisionInfo r : revisions.values()) {
            ServiceRecord s = services.get(r.service());
            if (s != null) {
                out.computeIfAbsent(r.spec().packageDigest(), k -> new java.util.TreeSet<>()).add(s.role());
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- records

    void putService(ServiceRecord s) {
        services.put(s.name(), s);
        state.changes().services.add(s.name());
    }

    void putRevision(RevisionInfo r) {
        revisions.put(revisionId(r.service(), r.number()), r);
        state.changes().revisions.add(revisionId(r.service(), r.number()));
    }

    void putDeployment(DeploymentInfo d) {
        if (deployments.put(d.id(), Rollouts.indexed(d, state.nextIndex())) == null) {
            deploymentsByService.computeIfAbsent(d.service(), k -> new ArrayList<>()).add(d.id());
        }
        state.changes().deployments.add(d.id());
    }

    void putInstance(InstanceInfo i) {
        InstanceInfo old = instances.put(i.id(), new InstanceInfo(i.id(), i.service(), i.revision(), i.packageDigest(), i.buildUrl(), i.state(),
                i.requestId(), i.allocationId(), i.taskId(), i.agentId(), i.host(), i.ports(), i.healthySince(), i.availableAt(), i.reason(),
                i.stopRequested(), i.createdAt(), i.endedAt(), i.movedFrom(), i.placedAt(), i.createIndex(), state.nextIndex()));
        if (old == null) {
            instancesByService.computeIfAbsent(i.service(), k -> new ArrayList<>()).add(i.id());
        }
        index(i);
        state.changes().instances.add(i.id());
    }

    void markStable(String service, int number) {
        RevisionInfo r = revisions.get(revisionId(service, number));
        if (r != null && !r.stable()) {
            revisions.put(revisionId(service, number), new RevisionInfo(r.service(), r.number(), r.spec(), r.createdAt(), r.createdBy(), r.buildUrl(),
                    r.promotedFrom(), r.rolledBackTo(), r.restartOf(), true));
            state.changes().revisions.add(revisionId(service, number));
        }
    }

    /** Keeps the latest revisions (never the current or stable one), deployments and ended instances. */
    void trim(String name) {
        ServiceRecord s = services.get(name);
        List<RevisionInfo> revs = revisionsOf(name);
        for (RevisionInfo r : revs.subList(Math.min(KEEP_REVISIONS, revs.size()), revs.size())) {
            boolean inUse = r.number() == s.revision() || (s.stable() != null && r.number() == s.stable())
                    || instancesOf(name).stream().anyMatch(i -> i.revision() == r.number() && !i.state().terminal());
            if (!inUse) {
                revisions.remove(revisionId(name, r.number()));
                state.removed().add(revisionId(name, r.number()));
            }
        }
        List<DeploymentInfo> ds = deploymentsOf(name);
        for (DeploymentInfo d : ds.subList(Math.min(KEEP_DEPLOYMENTS, ds.size()), ds.size())) {
            if (d.state().terminal()) {
                deployments.remove(d.id());
                deploymentsByService.get(name).remove(d.id());
                state.removed().add(d.id());
            }
        }
        List<String> ids = instancesByService.getOrDefault(name, new ArrayList<>());
        List<String> ended = ids.stream().filter(id -> instances.get(id).state().terminal()).toList();
        for (String id : ended.subList(0, Math.max(0, ended.size() - 50))) {
            InstanceInfo gone = instances.remove(id);
            java.util.Arrays.asList(gone.requestId(), gone.allocationId(), gone.taskId()).forEach(serviceByRef::remove);
            ids.remove(id);
            state.removed().add(id);
        }
    }

    /** Forgets a service and everything it keeps (its revisions, deployments and instances), in the state and in the store. */
    void forget(String name) {
        for (RevisionInfo r : revisionsOf(name)) {
            String id = revisionId(name, r.number());
            revisions.remove(id);
            state.removed().add(id);
        }
        for (DeploymentInfo d : deploymentsOf(name)) {
            deployments.remove(d.id());
            state.removed().add(d.id());
        }
        deploymentsByService.remove(name);
        for (String id : instancesByService.getOrDefault(name, List.of())) {
            InstanceInfo gone = instances.remove(id);
            java.util.Arrays.asList(gone.requestId(), gone.allocationId(), gone.taskId()).forEach(serviceByRef::remove);
            state.removed().add(id);
        }
        instancesByService.remove(name);
        services.remove(name);
        state.removed().add(name);
    }

    public void restore(Collection<ServiceRecord> ss, Collection<RevisionInfo> rs, Collection<DeploymentInfo> ds, Collection<InstanceInfo> is) {
        ss.forEach(s -> services.put(s.name(), s));
        rs.forEach(r -> revisions.put(revisionId(r.service(), r.number()), r));
        ds.forEach(d -> {
            if (deployments.put(d.id(), d) == null) {
                deploymentsByService.computeIfAbsent(d.service(), k -> new ArrayList<>()).add(d.id());
            }
        });
        is.forEach(i -> {
            instances.put(i.id(), i);
            index(i);
            instancesByService.computeIfAbsent(i.service(), k -> new ArrayList<>()).add(i.id());
        });
    }
}
