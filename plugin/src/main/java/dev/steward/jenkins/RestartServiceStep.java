package dev.steward.jenkins;

import dev.steward.api.RestartRequest;
import dev.steward.steps.DeployPlanRun;
import dev.steward.steps.DeployWatch;
import dev.steward.steps.StepListener;
import hudson.AbortException;
import hudson.Extension;
import hudson.model.Run;
import hudson.model.TaskListener;
import org.jenkinsci.plugins.workflow.steps.Step;
import org.jenkinsci.plugins.workflow.steps.StepContext;
import org.jenkinsci.plugins.workflow.steps.StepExecution;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;

/**
 * {@code restartService app: 'web', env: 'prod'}: a rolling restart, as {@code steward restart}
 * does: every instance replaced by a fresh one of the package and config the service runs (each
 * secret at its version now), as a new revision rolled out as the service's last deployment was
 * ({@code maxSurge} and {@code maxUnavailable} override its bounds; {@code reason} goes into the
 * deployment's events); then follows that deployment as {@code deploy} does (into the log, joined
 * again after a controller restart, up to {@code timeout}), fails with the reasons when it does
 * not succeed, and returns what {@code deploy} returns (revision, packageDigest, deployment,
 * instances). On abort, aborts the restart's deployment unless {@code abortDeployment: false}.
 * With {@code dryRun: true} it restarts nothing: the allocator's plan goes into the log and is
 * returned, for an {@code input} step.
 */
public class RestartServiceStep extends Step {
    private final String app;
    private final String env;
    private String reason;
    private String maxSurge;
    private String maxUnavailable;
    private String timeout = "1h";
    private boolean abortDeployment = true;
    private boolean dryRun;

    @DataBoundConstructor
    public RestartServiceStep(String app, String env) {
        this.app = app;
        this.env = env;
    }

    public String getApp() { return app; }
    public String getEnv() { return env; }
    public String getReason() { return reason; }
    @DataBoundSetter public void setReason(String v) { reason = v == null || v.isBlank() ? null : v; }
    public String getMaxSurge() { return maxSurge; }
    @DataBoundSetter public void setMaxSurge(String v) { maxSurge = v == null || v.isBlank() ? null : v; }
    public String getMaxUnavailable() { return maxUnavailable; }
    @DataBoundSetter public void setMaxUnavailable(String v) { maxUnavailable = v == null || v.isBlank() ? null : v; }
    public String getTimeout() { return timeout; }
    @DataBoundSetter public void setTimeout(String v) { timeout = v; }
    public boolean isAbortDeployment() { return abortDeployment; }
    @DataBoundSetter public void setAbortDeployment(boolean v) { abortDeployment = v; }
    public boolean isDryRun() { return dryRun; }
    @DataBoundSetter public void setDryRun(boolean v) { dryRun = v; }

    @Override
    public StepExecution start(StepContext context) {
        dev.steward.api.Units.duration("timeout", timeout); // a bad value fails the step before anything is restarted
        return new Execution(context, app, env, new RestartRequest(reason, maxSurge, maxUnavailable, null).check(), timeout, abortDeployment, dryRun);
    }

    static final class Execution extends WaitingStepExecution {
        private static final long serialVersionUID = 1L;
        private final String app;
        private final String env;
        private final String reason;
        private final String maxSurge;
        private final String maxUnavailable;
        private final String actor;
        private final String timeout;
        private final boolean abortDeployment;
        private final boolean dryRun;
        private volatile String deploymentId;
        private long deadline; // epoch millis: a follow resumed after a restart ends here, not a full timeout later
        private volatile long seenEvent; // saved with the program, so a rejoin after a restart repeats no line
        private transient volatile DeployWatch watch;
        private transient volatile String status;

        Execution(StepContext context, String app, String env, RestartRequest req, String timeout, boolean abortDeployment, boolean dryRun) {
            super(context);
            this.app = app;
            this.env = env;
            this.reason = req.reason();
            this.maxSurge = req.maxSurge();
            this.maxUnavailable = req.maxUnavailable();
            String who = null;
            try {
                Run<?, ?> run = context.get(Run.class);
                who = run == null ? null : "jenkins " + run.getExternalizableId();
            } catch (Exception e) {
                // without the run, the allocator records the token's role alone
            }
            this.actor = who;
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
                watch = DeployWatch.restart(StewardConfiguration.get().client(), app, env, request(), listener());
                deploymentId = watch.deploymentId();
                deadline = java.time.Instant.now().plus(dev.steward.api.Units.duration("timeout", timeout)).toEpochMilli();
                getContext().saveState();
                finish();
            });
            return false;
        }

        /** {@code dryRun}: the plan into the log and as the result; nothing is restarted. A read: asked again after a restart. */
        private void plan() {
            run(() -> getContext().onSuccess(DeployPlanRun.result(DeployPlanRun.planRestart(StewardConfiguration.get().client(), app, env, request(),
                    listener()))));
        }

        /** The restart's body; the build is the actor the revision records, as deploy's. */
        private RestartRequest request() {
            return new RestartRequest(reason, maxSurge, maxUnavailable, actor);
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
            return s != null ? s : dryRun ? "asking for the restart's plan" : deploymentId == null ? "starting the restart" : "following deployment " + deploymentId;
        }

        @Override
        public void onResume() {
            if (dryRun) {
                plan();
                return;
            }
            if (deploymentId == null) {
                getContext().onFailure(new AbortException("the controller restarted before the restart started; run the stage again"));
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
            return "restartService";
        }

        @Override
        public String getDisplayName() {
            return "Restart every instance of a service, rolling, and follow it (Steward)";
        }
    }
}
