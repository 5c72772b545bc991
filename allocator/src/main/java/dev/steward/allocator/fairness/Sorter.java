package dev.steward.allocator.fairness;

import dev.steward.api.Resources;

import java.util.List;

/** Orders roles for the next allocation. The allocator keeps it told of totals and holdings. */
public interface Sorter {
    /** Adds a role, or changes its weight and guarantee. */
    void add(String role, double weight, Resources guarantee);

    void remove(String role);

    /** The cluster's total, against which shares are measured. */
    void setTotal(Resources total);

    void allocated(String role, Resources r);

    void unallocated(String role, Resources r);

    /** What the role holds now. */
    Resources allocation(String role);

    /** The role's share as the sorter sees it (for DRF: its dominant share divided by its weight). */
    double share(String role);

    /** Roles in the order they should be served. */
    List<String> sort();
}
