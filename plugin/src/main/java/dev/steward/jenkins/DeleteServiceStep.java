package dev.steward.jenkins;

import dev.steward.steps.ServiceDelete;
import dev.steward.steps.StepListener;
import hudson.AbortException;
import hudson.Extension;
import hudson.model.TaskListener;
import org.jenkinsci.plugins.workflow.steps.Step;
import org.jenkinsci.plugins.workflow.steps.StepContext;
import org.jenkinsci.plugins.workflow.steps.StepExecution;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;

/**
 * {@code deleteService app: 'web', env: "pr-${env.CHANGE_ID}"}: deletes a service (its instances
 * stop, its deployments are aborted, then it is forgotten with its history) and waits until it is
 * gone, up to {@code timeout} (default 10m; past it the step fails and the deletion goes on; a
 * step that should not wait is a parallel branch). A service that is not there is nothing to do
 * unless {@code missingOk: false}, so cleaning up a per-branch environment can run again. Returns
 * true when it deleted the service, false when there was none.
 */
public class DeleteServiceStep extends Step {
    private final String app;
    private final String env;
    private String timeout = "10m";
    private boolean missingOk = true;

    @DataBoundConstructor
    public DeleteServiceStep(String app, String env) {
        this.app = app;
        this.env = env;
    }

    public String getApp() { return app; }
    public String getEnv() { return env; }
    public String getTimeout() { return timeout; }
    @DataBoundSetter public void setTimeout(String v) { timeout = v; }
    public boolean isMissingOk() { return missingOk; }
    @DataBoundSetter public void setMissingOk(boolean v) { missingOk = v; }

    @Override
    public StepExecution start(StepContext context) {
        dev.steward.api.Units.duration("timeout", timeout); // a bad value fails the step before anything is deleted
        return new Execution(context, app, env, timeout, missingOk);
    }

    static final class Execution extends WaitingStepExecution {
        private static final long serialVersionUID = 1L;
        private final String app;
        private final String env;
        private final String timeout;
        private final boolean missingOk;
        private volatile boolean asked; // saved with the program: after a restart the wait goes on without asking again
        private long deadline; // epoch millis, kept across a restart
        private transient volatile String status;

        Execution(StepContext context, String app, String env, String timeout, boolean missingOk) {
            super(context);
            this.app = app;
            this.env = env;
            this.timeout = timeout;
            this.missingOk = missingOk;
        }

        @Override
        public boolean start() {
            run(() -> {
                ServiceDelete d = ServiceDelete.start(StewardConfiguration.get().client(), app, env, missingOk, listener());
                if (d.missing()) {
                    getContext().onSuccess(false);
                    return;
                }
                asked = true;
                deadline = java.time.Instant.now().plus(dev.steward.api.Units.duration("timeout", timeout)).toEpochMilli();
                getContext().saveState();
                finish(d);
            });
            return false;
        }

        /** Waits for the service to be gone or the saved deadline, holding no thread meanwhile. */
        private void finish(ServiceDelete d) {
            then(d.awaitGoneAsync(java.time.Instant.ofEpochMilli(deadline), java.time.Clock.systemUTC()), gone -> {
                if (!gone) {
                    throw new AbortException(app + "/" + env + " is still being deleted after " + timeout + "; the deletion goes on on the allocator");
                }
                getContext().onSuccess(true);
            });
        }

        private StepListener listener() throws Exception {
            return Listeners.of(getContext().get(TaskListener.class), text -> status = text);
        }

        @Override
        public String getStatus() {
            String s = status;
            return s != null ? s : asked ? "waiting for " + app + "/" + env + " to be gone" : "deleting " + app + "/" + env;
        }

        @Override
        public void onResume() {
            if (!asked) {
                getContext().onFailure(new AbortException("the controller restarted before the delete was taken; run the stage again"));
                return;
            }
            run(() -> finish(ServiceDelete.join(StewardConfiguration.get().client(), app, env, listener())));
        }
    }

    @Extension
    public static final class DescriptorImpl extends StewardStepDescriptor {
        @Override
        public String getFunctionName() {
            return "deleteService";
        }

        @Override
        public String getDisplayName() {
            return "Delete a service: stop its instances, then forget it and its history (Steward)";
        }
    }
}
