package dev.steward.cli;

import dev.steward.api.DeploymentState;
import dev.steward.api.ServiceInfo;

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
