package dev.steward.allocator.state;

/**
 * What one role (one tenant) may hold of what every tenant shares, each bound a server option
 * ({@code steward server --max-...}) because each grows the state, the store or the owner
 * thread's work with what a tenant does, and a loop in one tenant's pipeline must not grow them
 * without end. Past a bound the next is refused with a 409 that names it and the way out.
 *
 * <ul>
 *   <li>{@code maxPending} (1,000): requests pending, its services' instances waiting for room
 *       included; every scheduling cycle may try each (requests that found no place wait aside,
 *       but a release on an agent large enough for them tries each once; before requests were set
 *       aside, 10,000 pending made every command of every tenant take 55 ms, measured on one agent).</li>
 *   <li>{@code maxServices} (1,000): services (app x env), those being deleted included; each keeps
 *       up to {@value dev.steward.allocator.deploy.Services#KEEP_REVISIONS} revisions, 20
 *       deployments and 50 ended instances ({@code DELETE /v1/services/APP/ENV} lets go of one).</li>
 *   <li>{@code maxPackageBytes} (32 GiB): bytes of packages, each it uploaded or ran counted whole
 *       ({@code DELETE /v1/packages/DIGEST} lets go of one).</li>
 *   <li>{@code maxRunningMonitors} (32): monitors running at once, canary gates' included; each
 *       scrapes every instance of its service at its interval.</li>
 *   <li>{@code maxTasksPerAllocation} (1,000): tasks one allocation has had, ended ones included,
 *       whose records live as long as the allocation does.</li>
 *   <li>{@code maxSecrets} (256): service secrets kept, each up to 64 KiB, in the state's memory and
 *       sealed in the store ({@code DELETE /v1/services/APP/ENV/secrets/NAME} lets go of one).</li>
 * </ul>
 */
public record RoleBounds(int maxPending, int maxServices, long maxPackageBytes, int maxRunningMonitors, int maxTasksPerAllocation, int maxSecrets) {
    public static final RoleBounds DEFAULTS = new RoleBounds(1_000, 1_000, 32L << 30, 32, 1_000, 256);

    public RoleBounds {
        atLeastOne("maxPending", maxPending);
        atLeastOne("maxServices", maxServices);
        atLeastOne("maxPackageBytes", maxPackageBytes);
        atLeastOne("maxRunningMonitors", maxRunningMonitors);
        atLeastOne("maxTasksPerAllocation", maxTasksPerAllocation);
        atLeastOne("maxSecrets", maxSecrets);
    }

    private static void atLeastOne(String name, long value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " is " + value + "; it must be at least 1");
        }
    }

    public RoleBounds withMaxPending(int n) {
        return new RoleBounds(n, maxServices, maxPackageBytes, maxRunningMonitors, maxTasksPerAllocation, maxSecrets);
    }

    public RoleBounds withMaxServices(int n) {
        return new RoleBounds(maxPending, n, maxPackageBytes, maxRunningMonitors, maxTasksPerAllocation, maxSecrets);
    }

    public RoleBounds withMaxPackageBytes(long n) {
        return new RoleBounds(maxPending, maxServices, n, maxRunningMonitors, maxTasksPerAllocation, maxSecrets);
    }

    public RoleBounds withMaxRunningMonitors(int n) {
        return new RoleBounds(maxPending, maxServices, maxPackageBytes, n, maxTasksPerAllocation, maxSecrets);
    }

    public RoleBounds withMaxTasksPerAllocation(int n) {
        return new RoleBounds(maxPending, maxServices, maxPackageBytes, maxRunningMonitors, n, maxSecrets);
    }

    public RoleBounds withMaxSecrets(int n) {
        return new RoleBounds(maxPending, maxServices, maxPackageBytes, maxRunningMonitors, maxTasksPerAllocation, n);
    }
}
