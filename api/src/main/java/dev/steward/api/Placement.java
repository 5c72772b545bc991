package dev.steward.api;

import java.util.Locale;

/** Where to put allocations among the feasible agents: pack them tight, or spread them out. */
public enum Placement {
    BINPACK, SPREAD;

    public static Placement parse(String field, String text) {
        if (text == null) {
            return BINPACK;
        }
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "binpack", "bin-pack", "pack" -> BINPACK;
            case "spread" -> SPREAD;
            default -> throw new ValidationException(field, "'" + text + "' is not a placement; use binpack or spread");
        };
    }
}
