package dev.steward.allocator.packages;

import java.time.Duration;

/** How the artifact store behaves: the largest package it accepts, how long an unused package is kept, how often it sweeps. */
public record PackagePolicy(long maxBytes, Duration retention, Duration sweepInterval) {
    public static final PackagePolicy DEFAULTS = new PackagePolicy(4L << 30, Duration.ofDays(3), Duration.ofMinutes(1));
}
