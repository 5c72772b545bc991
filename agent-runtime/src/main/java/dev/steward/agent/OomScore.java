package dev.steward.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.Logger;

/**
 * The agent's own {@code oom_score_adj} (the wrapper sets each task's command back to 0): when
 * the machine runs out of memory, the kernel's OOM killer takes a task, not the agent that every
 * task on the machine depends on to be watched, reported and stopped.
 */
final class OomScore {
    private static final Logger LOG = Logger.getLogger(Agent.class.getName()); // the agent's own lines

    private OomScore() {
    }

    /** Sets this process's oom_score_adj to {@code adj}; says why not when it cannot (lowering it needs CAP_SYS_RESOURCE). */
    static void protect(int adj) {
        try {
            Files.writeString(Path.of("/proc/self/oom_score_adj"), Integer.toString(adj));
        } catch (IOException | RuntimeException e) {
            LOG.warning("cannot set the agent's oom_score_adj to " + adj + " (" + e.getMessage() + "; lowering it needs CAP_SYS_RESOURCE): "
                    + "when this machine runs out of memory the kernel may kill the agent rather than a task");
        }
    }
}
