package dev.steward.cli;

import dev.steward.api.ServiceInfo;

/**
 * Which deployment {@code steward rollout ACTION APP --env ENV} means: the service's deployment
 * under way; for an action that only reads (status, watch), its last one when none is under way.
 * An action that would change a deployment is refused, with what the last one did, when none is
 * under way: pausing or aborting one that has ended would only be refused by the allocator, and
 * its id would not tell the user why.
 */
final class ServiceDeployment {
    private ServiceDeployment() {
    }

    /** The deployment's id; an {@link IllegalStateException} that says why when there is none to act on. */
    static String of(ServiceInfo s, boolean reads) {
        if (s.deployment() != null) {
            return s.deployment();
        }
        ServiceInfo.LastDeployment last = s.lastDeployment();
        if (reads && last != null) {
            return last.id();
        }
        throw new IllegalStateException("no deployment of " + s.name() + " is under way; " + (last == null ? "it has had none"
                : "its last, " + last.id() + " (revision " + last.revision() + "), " + ServiceLines.ended(last.state())
                + (last.reason() == null || last.reason().isBlank() ? "" : ": " + last.reason())));
    }
}
