package dev.steward.api;

/**
 * The life of a task (a process an agent runs inside an allocation). {@code PENDING} until the
 * agent starts it; {@code RUNNING}; {@code RESTARTING} between an exit and the restart its
 * policy allows. Terminal: {@code EXITED} (ran to completion, with its exit code),
 * {@code FAILED} (could not start, was killed for its memory, or used up its restarts),
 * {@code KILLED} (stopped on request), {@code LOST} (its agent was lost).
 */
public enum TaskState {
    PENDING, RUNNING, RESTARTING, EXITED, FAILED, KILLED, LOST;

    public boolean terminal() {
        return this == EXITED || this == FAILED || this == KILLED || this == LOST;
    }
}
