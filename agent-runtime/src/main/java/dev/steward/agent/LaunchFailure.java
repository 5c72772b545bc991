package dev.steward.agent;

/** A task that cannot be started, with the reason the user reads (command not found, workdir outside the sandbox, ...). */
public final class LaunchFailure extends Exception {
    public LaunchFailure(String reason) {
        super(reason);
    }
}
