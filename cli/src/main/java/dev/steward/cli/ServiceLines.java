package dev.steward.cli;

import dev.steward.api.DeploymentState;
import dev.steward.api.InstanceInfo;
import dev.steward.api.InstanceState;
import dev.steward.api.ServiceInfo;
import dev.steward.api.Units;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;

/**
 * How a service's deployment is shown in the lists ({@code steward services}, {@code steward
 * status}) and above its instances: the one under way, else how the last one ended, so a
 * service left short by a failed or aborted rollout says so where it is listed.
 */
final class ServiceLines {
    private ServiceLines() {
    }

    /** The DEPLOYMENT column: {@code ID STATE} of the one under way, else of the last one; empty before the first. */
    static String deployment(ServiceInfo s) {
        if (s.deletingSince() != null) {
            return "(being deleted: " + s.stopping() + " stopping)";
        }
        ServiceInfo.LastDeployment last = s.lastDeployment();
        if (s.deployment() != null) {
            if (last == null || last.id().equals(s.deployment())) {
                return s.deployment() + (last == null ? "" : " " + last.state());
            }
            return s.deployment() + ", then " + last.id() + " " + last.state(); // a deploy queued behind the running one
        }
        return last == null ? "" : last.id() + " " + last.state();
    }

    /** One line about the service: its revisions, what is available, and how its last deployment went when that was not a success. */
    static String summary(ServiceInfo s) {
        // under a rollout old and new instances serve together: "5 of 4" read as a miscount
        String available = s.available() <= s.instances() ? s.available() + " of " + s.instances() + " instances available"
                : s.available() + " instances available (old and new), " + s.instances() + " wanted";
        StringBuilder b = new StringBuilder(String.format("%s: revision %d runs (stable %s), %s", s.name(), s.revision(),
                s.stableRevision() == null ? "none" : s.stableRevision(), available));
        if (s.priority() != dev.steward.api.Limits.DEFAULT_PRIORITY) {
            b.append(", priority ").append(s.priority());
        }
        ServiceInfo.LastDeployment last = s.lastDeployment();
        if (last != null && last.state() != DeploymentState.SUCCEEDED) {
            b.append(last.state().terminal() ? "; its last deployment, " : "; deployment ").append(last.id())
                    .append(last.state().terminal() ? ", " + ended(last.state()) : " is " + last.state().name().toLowerCase().replace('_', ' '));
            if (last.reason() != null) {
                b.append(": ").append(last.reason());
            }
        }
        return b.toString();
    }

    /**
     * For a service that runs fewer instances than it wants ({@code live} of them): how many are
     * missing, the last of its instances to fail or be lost and why, and, while the replacement
     * backoff holds, how long the next replacement waits, as {@code kubectl} shows a crash loop's
     * back-off. Null when none is missing. {@code now}: this machine's clock, against the
     * allocator's {@link ServiceInfo#replaceNotBefore()}.
     */
    static String shortfall(ServiceInfo s, List<InstanceInfo> all, int live, Instant now) {
        int missing = s.instances() - live;
        if (missing <= 0 || s.deletingSince() != null) {
            return null;
        }
        StringBuilder b = new StringBuilder(live == 0 ? "no instances run (" + Units.count(s.instances(), "instance") + " wanted)"
                : missing + " of the " + s.instances() + " instances wanted " + (missing == 1 ? "does" : "do") + " not run");
        all.stream().filter(i -> (i.state() == InstanceState.FAILED || i.state() == InstanceState.LOST) && i.endedAt() != null)
                .max(Comparator.comparing(InstanceInfo::endedAt))
                .ifPresent(i -> b.append(": the last to end, ").append(i.id()).append(" (revision ").append(i.revision()).append("), ")
                        .append(i.state() == InstanceState.LOST ? "was lost" : "failed").append(i.reason() == null ? "" : ": " + i.reason()));
        if (s.replaceNotBefore() != null && s.replaceNotBefore().isAfter(now)) {
            b.append("; its replacement waits ").append(Duration.between(now, s.replaceNotBefore()).toSeconds() + 1).append(" s more, the backoff after ")
                    .append(Units.count(s.replacements(), "replacement")).append(" (2 s, doubling to at most 60 s; a deploy or 10 calm minutes start it over)");
        }
        return b.toString();
    }

    /** How a deployment ended, as a clause: "failed", "was aborted", ... */
    static String ended(DeploymentState st) {
        return switch (st) {
            case FAILED -> "failed";
            case ROLLED_BACK -> "failed and was rolled back";
            case SUPERSEDED -> "was superseded";
            case ABORTED -> "was aborted";
            default -> st.name().toLowerCase();
        };
    }
}
