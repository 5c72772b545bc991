package dev.steward.allocator.state;

import dev.steward.allocator.placement.Rejections;
import dev.steward.api.PlacementDiagnosis;
import dev.steward.api.Verdict;

import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Counts of what the decisions did since this process started: placements, failed placement
 * attempts by reason, rollbacks begun, failed or lost instances replaced, monitors' final verdicts
 * and gate evaluations. Written on
 * the owner thread only, as a side note of the decisions; read as a {@link Snapshot} (a copy)
 * through a read, for the metrics. Not stored: a restart starts them at 0, which is what
 * Prometheus expects of a counter.
 */
public final class Stats {
    private long placements;
    private final Map<String, Long> failedPlacements = new TreeMap<>();
    private long rollbacks;
    private long replacements;
    private long setAside;
    private final Map<Verdict, Long> verdicts = new EnumMap<>(Verdict.class);
    private final Map<Verdict, Long> evaluations = new EnumMap<>(Verdict.class);

    /** A copy, safe to read on any thread. */
    public record Snapshot(long placements, Map<String, Long> failedPlacements, long rollbacks, Map<Verdict, Long> verdicts,
                           Map<Verdict, Long> evaluations, long setAside, long replacements) {
    }

    public void placed(int n) {
        placements += n;
    }

    /** A request the cycle could not place, counted under its reason's {@linkplain #reason category}. */
    public void failed(PlacementDiagnosis d) {
        failedPlacements.merge(reason(d), 1L, Long::sum);
    }

    /** A pending request not tried in a cycle: it found no place before, and no room has grown since. */
    public void setAside() {
        setAside++;
    }

    public void rollback() {
        rollbacks++;
    }

    /** A service's instance that failed or was lost was replaced (after the backoff). */
    public void replaced() {
        replacements++;
    }

    /** A monitor ended with {@code v}. */
    public void verdict(Verdict v) {
        verdicts.merge(v, 1L, Long::sum);
    }

    /** A gate was evaluated {@code n} more times, its latest verdict {@code v}. */
    public void evaluated(Verdict v, int n) {
        if (n > 0 && v != null) {
            evaluations.merge(v, (long) n, Long::sum);
        }
    }

    /** Every verdict is in the maps, 0 when none was seen: a counter exists from the start, as Prometheus prefers. */
    public Snapshot snapshot() {
        return new Snapshot(placements, Map.copyOf(failedPlacements), rollbacks, all(verdicts), all(evaluations), setAside, replacements);
    }

    private static Map<Verdict, Long> all(Map<Verdict, Long> m) {
        Map<Verdict, Long> out = new EnumMap<>(Verdict.class);
        for (Verdict v : Verdict.values()) {
            out.put(v, m.getOrDefault(v, 0L));
        }
        return java.util.Collections.unmodifiableMap(out);
    }

    /**
     * A bounded label for why a request is pending: the role-level reason (limit, guarantees,
     * gang), else the reason that turned most agents away. The diagnosis text itself holds names
     * and numbers (a constraint's text, a role's name): as a label it would grow without bound.
     */
    public static String reason(PlacementDiagnosis d) {
        if (d == null) {
            return "unknown";
        }
        if (d.blockedBy() != null) {
            return d.blockedBy().contains("at its limit") ? "role_limit" : d.blockedBy().contains("guarantees") ? "guarantees" : "other";
        }
        if (d.summary() != null && d.summary().startsWith("gang of ")) {
            return "gang";
        }
        if (d.rejections() == null || d.rejections().isEmpty()) {
            return "no_agents";
        }
        String top = null;
        int most = -1;
        for (Map.Entry<String, Integer> e : d.rejections().entrySet()) {
            if (e.getValue() > most) {
                most = e.getValue();
                top = e.getKey();
            }
        }
        return rejection(top);
    }

    /** A filter's rejection as a label. */
    public static String rejection(String r) {
        return switch (r) {
            case Rejections.LOST -> "agent_lost";
            case Rejections.DRAINING -> "draining";
            case Rejections.DISK_PRESSURE -> "disk_pressure";
            case Rejections.CPU -> "insufficient_cpus";
            case Rejections.MEMORY -> "insufficient_memory";
            case Rejections.DISK -> "insufficient_disk";
            case Rejections.GPU -> "insufficient_gpus";
            case Rejections.GPU_MODEL -> "gpu_model_mismatch";
            case Rejections.PORTS -> "insufficient_ports";
            case Rejections.DISTINCT -> "distinct_constraint";
            default -> r.startsWith("constraint not met") ? "constraint" : r.startsWith("insufficient ") ? "insufficient_other" : "other";
        };
    }
}
