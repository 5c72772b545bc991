package dev.steward.agent;

import java.util.function.Consumer;

/**
 * What an agent says of itself as it starts: what it detected and lends, with the isolation each
 * task gets ({@link #detected}); and what an operator should act on ({@link #warn}): a process
 * limit its cgroups cannot enforce, and its own certificate revoked in its CA file.
 */
final class StartNotes {
    private StartNotes() {
    }

    /** The machine found, what is lent, and each isolation a task gets here: the agent's first line, and {@code steward agent}'s. */
    static String detected(Detector.Found found, Cgroups cgroups, Launcher launcher) {
        return found.summary() + (cgroups.limitsPids() ? "; at most " + cgroups.pidsMax() + " processes per allocation (task-pids-max)" : "")
                + (launcher.privateTmp ? "; a /tmp and /var/tmp of its own per task (task-private-tmp)" : "")
                + (launcher.hideProcesses ? "; each task sees only its own processes (task-hide-processes)" : "")
                + (launcher.privateIpc ? "; IPC and a /dev/shm of its own per task (task-private-ipc)" : "")
                + (launcher.keyctl != null ? "; a session keyring of its own per task" : "");
    }

    /** Tells {@code warn} what the configuration asks and this agent cannot give, and a certificate of its own that is revoked. */
    static void warn(AgentConfig cfg, Cgroups cgroups, Consumer<String> warn) {
        if (cfg.taskPidsMax() > 0 && !cgroups.limitsPids()) {
            warn.accept("task-pids-max " + cfg.taskPidsMax() + " is not enforced: this machine's cgroups (" + cgroups.kind()
                    + ") give this agent no pids controller, so one task's fork bomb can take every pid of the machine");
        }
        if (cfg.tls() != null) {
            cfg.tls().warnIfOwnRevoked(warn);
        }
    }
}
