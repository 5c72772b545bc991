package dev.steward.jenkins;

import dev.steward.steps.DeployPlanRun;
import dev.steward.steps.DeployWatch;
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
 * {@code rollbackService app: 'web', env: 'prod'}: rolls the service back, as {@code steward
 * rollback} does (to its stable revision while a rollout has not made the current one stable,
 * else to the previous stable revision; {@code revision: 4} names a kept one), as a new revision
 * rolled out with the timings the service was last deployed with; then follows that deployment
 * as {@code deploy} does (into the log, joined again after a controller restart, up to {@code
 * timeout}), fails with the reasons when it does not succeed, and returns what {@code deploy}
 * returns (revision, packageDigest, deployment, instances). On abort, aborts the rollback's
 * deployment unless {@code abortDeployment: false}. With {@code dryRun: true} it rolls nothing
 * back: the allocator's plan goes into the log and is returned, for an {@code input} step.
 */
public class RollbackServiceStep extends Step {
    private final String app;
    private final String env;
    private Integer revision;
    private String timeout = "1h";
    private boolean abortDeployment = true;
    private boolean dryRun;

    @DataBoundConstructor
    public RollbackServiceStep(String app, String env) {
        this.app = app;
        this.env = env;
    }

    public String getApp() { return app; }
    public String getEnv() { return env; }
    public Integer getRevision() { return revision; }
    @DataBoundSetter public void setRevision(Integer v) { revision = v; }
    public String getTimeout() { return timeout; }
    @DataBoundSetter public void setTimeout(String v) { timeout = v; }
    public boolean isAbortDeployment() { return abortDeployment; }
    @DataBoundSetter public void setAbortDeployment(boolean v) { abortDeployment = v; }
    public boolean isDryRun() { return dryRun; }
    @DataBoundSetter public void setDryRun(boolean v) { dryRun = v; }

    @Override
    public StepExecution start(StepContext context) {
        dev.steward.api.Units.duration("timeout", timeout); // a bad value fails the step before anything is rolled back
        if (revision != null && revision < 1) {
            throw new IllegalArgumentException("revision: is " + revision + "; it must be 1 or more (see 'steward history')");
        }
        return new Execution(context, app, env, revision, timeout, abortDeployment, dryRun);
    }

    static final class Execution extends WaitingStepExecution {
        private static final long serialVersionUID = 1L;
        private final String app;
        private final String env;
        private final Integer revision;
        private final String timeout;
        private final boolean abortDeployment;
        private final boolean dryRun;
        private volatile String deploymentId;
        private long deadline; // epoch millis: a follow resumed after a restart ends here, not a full timeout later
        private volatile long seenEvent; // saved with the program, so a rejoin after a restart repeats no line
        private transient volatile DeployWatch watch;
        private transient volatile String status;

        Execution(StepContext context, String app, String env, Integer revision, String timeout, boolean abortDeployment, boolean dryRun) {
            super(context);
            this.app = app;
            this.env = env;
            this.revision = revision;
            this.timeout = timeout;
            this.abortDeployment = abortDeployment;
            this.dryRun = dryRun;
        }

        @Override
        public boolean start() {
            if (dryRun) {
                plan();
                return false;
            }
            run(() -> {
                watch = DeployWatch.rollback(StewardConfiguration.get().client(), app, env, revision, listener());
                deploymentId = watch.deploymentId();
                deadline = java.time.Instant.now().plus(dev.steward.api.Units.duration("timeout", timeout)).toEpochMilli();
                getContext().saveState();
                finish();
            });
            return false;
        }

        /** {@code dryRun}: the plan into the log and as the result; nothing is rolled back. A read: asked again after a restart. */
        private void plan() {
            run(() -> getContext().onSuccess(DeployPlanRun.result(DeployPlanRun.planRollback(StewardConfiguration.get().client(), app, env, revision,
                    listener()))));
        }

        /** Follows to the end or the saved deadline, holding no thread meanwhile; then succeeds with the result or fails with the reasons. */
        private void finish() {
            then(watch.awaitEndAsync(java.time.Instant.ofEpochMilli(deadline), java.time.Clock.systemUTC()), ended -> {
                DeployWatch.Outcome o = watch.outcome(ended, dev.steward.api.Units.duration("timeout", timeout));
                seenEvent = watch.seenEvent();
                if (!o.succeeded()) {
                    throw new AbortException(o.message());
                }
                getContext().onSuccess(o.stepResult());
            });
        }

        /** Log lines into the build; each status also records how far the log has got. */
        private StepListener listener() throws Exception {
            return Listeners.of(getContext().get(TaskListener.class), text -> {
                status = text;
                DeployWatch w = watch;
                if (w != null) {
                    seenEvent = w.seenEvent();
                }
            });
        }

        @Override
        public String getStatus() {
            String s = status;
            return s != null ? s : dryRun ? "asking for the rollback's plan" : deploymentId == null ? "starting the rollback" : "following deployment " + deploymentId;
        }

        @Override
        public void onResume() {
            if (dryRun) {
                plan();
                return;
            }
            if (deploymentId == null) {
                getContext().onFailure(new AbortException("the controller restarted before the rollback started; run the stage again"));
                return;
            }
            run(() -> {
                watch = DeployWatch.join(StewardConfiguration.get().client(), app, env, deploymentId, seenEvent, listener());
                finish();
            });
        }

        @Override
        protected void stopping(Throwable cause) {
            if (watch != null) {
                watch.aborted(abortDeployment);
            }
        }
    }

    @Extension
    public static final class DescriptorImpl extends StewardStepDescriptor {
        @Override
        public String getFunctionName() {
            return "rollbackService";
        }

        @Override
        public String getDisplayName() {
            return "Roll a service back to its stable revision, or a kept one, and follow it (Steward)";
        }
    }
}
