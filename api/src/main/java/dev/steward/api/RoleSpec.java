package dev.steward.api;

/**
 * A role's share of the cluster: its weight in Dominant Resource Fairness, and per resource a
 * guarantee (served before fair sharing) and a limit (never exceeded). Body of {@code PUT /v1/roles/NAME}.
 */
public record RoleSpec(Double weight, ResourceAmounts guarantee, ResourceAmounts limit) {
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
        return new Parsed(w, g, l);
    }

    /** A validated role spec; scalars absent from {@code limit} are unlimited. */
    public record Parsed(double weight, Resources guarantee, Resources limit) {
    }
}
