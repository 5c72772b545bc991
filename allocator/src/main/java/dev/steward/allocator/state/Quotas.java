package dev.steward.allocator.state;

import dev.steward.allocator.fairness.Sorter;
import dev.steward.api.Resources;
import dev.steward.api.RoleSpec;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Role-level checks made before any agent is looked at: a role never exceeds its limit, and
 * a role past its own guarantee may not take what is held back for the unmet guarantees of
 * other roles (Mesos' quota headroom). Pure functions of the figures they are given.
 */
public final class Quotas {
    private Quotas() {
    }

    /** A resource asked above a role's limit, each figure as a user writes it. */
    public record Excess(String resource, String asked, String limit) {
    }

    /**
     * The first resource in which {@code want} by itself is above {@code role}'s limit, or null when
     * it is within it: what no release of the role's other work can make room for.
     */
    public static Excess aboveLimit(RoleRecord role, Resources want) {
        Map<String, Long> limit = dims(role.limit());
        for (Map.Entry<String, Long> e : dims(want).entrySet()) {
            Long l = limit.get(e.getKey());
            if (l != null && l < RoleSpec.UNLIMITED && e.getValue() > l) {
                return new Excess(e.getKey(), format(e.getKey(), e.getValue()), format(e.getKey(), l));
            }
        }
        return null;
    }

    /**
     * Null if {@code role} may hold {@code want} more, else the reason naming the resource and the
     * limit; and, when {@code want} alone is above it, that nothing the role lets go of will make
     * room: only a higher limit will (a build would otherwise wait for releases that cannot help).
     */
    static String limitReason(RoleRecord role, Resources held, Resources want) {
        Map<String, Long> after = dims(held.plus(want));
        Map<String, Long> alone = dims(want);
        Map<String, Long> limit = dims(role.limit());
        for (Map.Entry<String, Long> e : after.entrySet()) {
            Long l = limit.get(e.getKey());
            if (l != null && l < RoleSpec.UNLIMITED && e.getValue() > l) {
                return "role '" + role.name() + "' is at its limit: " + e.getKey() + " would be " + format(e.getKey(), e.getValue())
                        + ", above the limit of " + format(e.getKey(), l)
                        + (alone.getOrDefault(e.getKey(), 0L) > l ? "; what is asked is above it by itself, so it waits until the limit is raised" : "");
            }
        }
        return null;
    }

    /** Null unless placing {@code want} for {@code role} eats into capacity held for other roles' unmet guarantees. */
    static String guaranteeReason(String role, Collection<RoleRecord> roles, Sorter sorter, Resources total, Resources want) {
        Resources held = Resources.ZERO;
        Resources othersUnmet = Resources.ZERO;
        Resources ownUnmet = Resources.ZERO;
        for (RoleRecord r : roles) {
            Resources a = sorter.allocation(r.name());
            held = held.plus(a);
            Resources unmet = positive(r.guarantee().minus(a));
            if (r.name().equals(role)) {
                ownUnmet = unmet;
            } else {
                othersUnmet = othersUnmet.plus(unmet);
            }
        }
        if (othersUnmet.isZero()) {
            return null;
        }
        Map<String, Long> wantD = dims(want);
        Map<String, Long> ownD = dims(ownUnmet);
        Map<String, Long> freeAfter = dims(total.minus(held).minus(want));
        Map<String, Long> othersD = dims(othersUnmet);
        for (Map.Entry<String, Long> e : wantD.entrySet()) {
            String k = e.getKey();
            boolean beyondOwn = e.getValue() > ownD.getOrDefault(k, 0L);
            long others = othersD.getOrDefault(k, 0L);
            if (beyondOwn && others > 0 && freeAfter.getOrDefault(k, 0L) < others) {
                return "held back for the guarantees of other roles: " + k + " (" + format(k, others) + " still owed to them)";
            }
        }
        return null;
    }

    /** Whether {@code role}, holding {@code held}, is still owed some of its guarantee (so capacity is held back for it). */
    static boolean owes(RoleRecord role, Resources held) {
        return !positive(role.guarantee().minus(held)).isZero();
    }

    static Map<String, Long> dims(Resources r) {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("cpus", r.cpuMillis());
        m.put("memory", r.memoryMib());
        m.put("disk", r.diskMib());
        m.put("gpus", r.gpuMillis());
        m.putAll(r.scalars());
        return m;
    }

    private static Resources positive(Resources r) {
        Map<String, Long> s = new LinkedHashMap<>();
        r.scalars().forEach((k, v) -> {
            if (v > 0) {
                s.put(k, v);
            }
        });
        return new Resources(Math.max(0, r.cpuMillis()), Math.max(0, r.memoryMib()), Math.max(0, r.diskMib()), Math.max(0, r.gpuMillis()), s);
    }

    private static String format(String dim, long v) {
        return switch (dim) {
            case "cpus", "gpus" -> dev.steward.api.Units.formatCpus(v);
            case "memory", "disk" -> dev.steward.api.Units.formatMib(v);
            default -> String.valueOf(v);
        };
    }
}
