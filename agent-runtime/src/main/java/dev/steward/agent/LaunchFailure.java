package dev.steward.agent;

/**
 * A task that cannot be started, with the reason the user reads (command not found, workdir
 * outside the sandbox, ...). {@link #ofHost} marks one that is this host's, not the task's (no
 * task uid free): reported as {@link dev.steward.api.TaskStatus#hostFault}.
 */
public final class LaunchFailure extends Exception {
    private final boolean hostFault;

    public LaunchFailure(String reason) {
        this(reason, false);
    }

    private LaunchFailure(String reason, boolean hostFault) {
        super(reason);
        this.hostFault = hostFault;
    }

    /** A launch this host cannot make now, which another host could. */
    static LaunchFailure ofHost(String reason) {
        return new LaunchFailure(reason, true);
    }

    boolean hostFault() {
        return hostFault;
    }
}
