package dev.steward.api;

/**
 * A role's share of the cluster: its weight in Dominant Resource Fairness, and per resource a
 * guarantee (served before fair sharing) and a limit (never exceeded). Body of {@code PUT /v1/roles/NAME}.
 * {@code users} are the system users its tasks may name to run as (Nomad's user allowlist);
 * none by default, so every task gets a uid of its own; {@code root} only if listed.
 * {@code maxPriority} (0 to 1000; default 1000) is the highest priority its requests and services
 * may ask at: a priority preempts other roles' preemptible allocations below it, so the admin
 * decides how far a tenant may outrank the others (as Kubernetes scopes priority classes by quota).
 */
public record RoleSpec(Double weight, ResourceAmounts guarantee, ResourceAmounts limit, java.util.List<String> users, Integer maxPriority) {
    public RoleSpec(Double weight, ResourceAmounts guarantee, ResourceAmounts limit) {
        this(weight, guarantee, limit, null, null);
    }

    public RoleSpec(Double weight, ResourceAmounts guarantee, ResourceAmounts limit, java.util.List<String> users) {
        this(weight, guarantee, limit, users, null);
    }

    /** Stands for "no limit" in a parsed limit. */
    public static final long UNLIMITED = Long.MAX_VALUE / 4;
    public static final Resources NO_LIMIT = new Resources(UNLIMITED, UNLIMITED, UNLIMITED, UNLIMITED, java.util.Map.of());

    public Parsed parse() {
        double w = weight == null ? 1.0 : weight;
        if (!(w > 0) || w > Limits.MAX_WEIGHT || Double.isNaN(w)) {
            throw new ValidationException("weight", "is " + weight + "; it must be above 0 and at most " + (long) Limits.MAX_WEIGHT);
        }
        Resources g;
        Resources l;
        try {
            g = guarantee == null ? Resources.ZERO : guarantee.parse(Resources.ZERO);
        } catch (ValidationException e) {
            throw e.under("guarantee");
        }
        try {
            l = limit == null ? NO_LIMIT : limit.parse(NO_LIMIT);
        } catch (ValidationException e) {
            throw e.under("limit");
        }
        String over = g.firstExceeding(l);
        if (over != null) {
            throw new ValidationException("guarantee." + over, "is above the role's limit for " + over);
        }
        java.util.List<String> u = users == null ? java.util.List.of() : users;
        if (u.size() > 64) {
            throw new ValidationException("users", "has " + u.size() + " entries, above the limit of 64");
        }
        for (int i = 0; i < u.size(); i++) {
            if (u.get(i) == null || !u.get(i).matches(TaskSpec.USER_PATTERN)) {
                throw new ValidationException("users[" + i + "]", "'" + u.get(i) + "' is not a user name (lower-case letters, digits, _ and -, at most 32)");
            }
        }
        int cap = Validation.range("maxPriority", maxPriority, 0, Limits.MAX_PRIORITY, Limits.MAX_PRIORITY);
        return new Parsed(w, g, l, java.util.List.copyOf(new java.util.TreeSet<>(u)), cap);
    }

    /** A validated role spec; scalars absent from {@code limit} are unlimited; {@code users} sorted, without repeats. */
    public record Parsed(double weight, Resources guarantee, Resources limit, java.util.List<String> users, int maxPriority) {

        /** A role that may ask at any priority. */
        public Parsed(double weight, Resources guarantee, Resources limit, java.util.List<String> users) {
            this(weight, guarantee, limit, users, Limits.MAX_PRIORITY);
        }
    }
}
