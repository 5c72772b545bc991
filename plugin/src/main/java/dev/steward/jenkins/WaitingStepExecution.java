package dev.steward.jenkins;

import hudson.security.ACL;
import hudson.security.ACLContext;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import jenkins.model.Jenkins;
import org.jenkinsci.plugins.workflow.steps.GeneralNonBlockingStepExecution;
import org.jenkinsci.plugins.workflow.steps.StepContext;
import org.springframework.security.core.Authentication;

/**
 * A step execution whose waits hold no thread: short work runs in {@link #run} (a pool thread,
 * briefly), a wait is a {@link CompletableFuture} from steward-steps (blocking queries read by the
 * HTTP client's selector), and {@link #then} continues in {@link #run} once it completes, as the
 * user the step ran as. Stopping the step cancels the wait.
 */
abstract class WaitingStepExecution extends GeneralNonBlockingStepExecution {
    private static final long serialVersionUID = 1L;
    private transient volatile CompletableFuture<?> waiting;
    private transient volatile boolean stopped;

    protected WaitingStepExecution(StepContext context) {
        super(context);
    }

    /** What to do with a wait's value, in a pool thread; may throw, which fails the step. */
    @FunctionalInterface
    protected interface Next<T> {
        void accept(T value) throws Exception;
    }

    /** Continues with {@code next} when {@code wait} completes; its failure fails the step. Call from within {@link #run}. */
    protected final <T> void then(CompletableFuture<T> wait, Next<T> next) {
        Authentication auth = Jenkins.getAuthentication2();
        waiting = wait;
        wait.whenComplete((value, err) -> {
            if (stopped) {
                return; // the step is being stopped: what the wait saw (a request cancelled by the stop itself) is not its outcome
            }
            try (ACLContext ctx = ACL.as2(auth)) {
                run(() -> {
                    if (err != null) {
                        Throwable t = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
                        throw t instanceof Exception e ? e : new RuntimeException(t);
                    }
                    next.accept(value);
                });
            }
        });
    }

    /**
     * Stops: the wait is dropped first (its continuation does nothing from here on), then
     * {@link #stopping} does what the step does on an abort, then the step fails with {@code cause}.
     */
    @Override
    public final void stop(Throwable cause) throws Exception {
        stopped = true;
        CompletableFuture<?> w = waiting;
        if (w != null) {
            w.cancel(false);
        }
        stopping(cause);
        super.stop(cause);
    }

    /** What the step does when it is stopped (release, abort the deployment); called once the wait is dropped. */
    protected void stopping(Throwable cause) {
    }
}
