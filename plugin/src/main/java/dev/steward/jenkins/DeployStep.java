package dev.steward.jenkins;

import com.cloudbees.plugins.credentials.CredentialsProvider;
import dev.steward.api.ArgForms;
import dev.steward.api.CanaryStep;
import dev.steward.api.DeployRequest;
import dev.steward.steps.DeployPlanRun;
import dev.steward.steps.DeployWatch;
import dev.steward.steps.SavedState;
import dev.steward.steps.SecretSync;
import dev.steward.steps.StepListener;
import hudson.AbortException;
import hudson.Extension;
import hudson.model.Run;
import hudson.model.TaskListener;
import java.util.ArrayList;
import java.util.List;
import org.jenkinsci.plugins.plaincredentials.StringCredentials;
import org.jenkinsci.plugins.workflow.steps.Step;
import org.jenkinsci.plugins.workflow.steps.StepContext;
import org.jenkinsci.plugins.workflow.steps.StepExecution;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;

/**
 * {@code deploy app: 'web', env: 'staging', packageDigest: digest, instances: 3, strategy: 'rolling'}:
 * starts (or, after a controller restart, joins) the deployment, streams its progress into the
 * log, fails with the reasons when it does not succeed, and returns revision, digest and
 * instances. On abort, aborts the deployment unless {@code abortDeployment: false}.
 *
 * <p>With {@code dryRun: true} it deploys nothing: it writes the allocator's plan into the log
 * (what the deploy would make, the fields that change, whether its instances find room now) and
 * returns it ({@link dev.steward.steps.DeployPlanRun#result}), for an {@code input} step to show
 * before the real deploy.
 */
public class DeployStep extends Step {
    private final String app;
    private final String env;
    private String packageDigest;
    private String promoteFrom;
    private Integer instances;
    private Integer priority;
    private String strategy;
    private String command;
    private String cpus;
    private String memory;
    private String disk;
    private List<String> ports;
    private List<String> vars;
    private List<String> secrets;
    private List<String> secretCredentials;
    private List<String> constraints;
    private String restart;
    private Integer minReadySeconds;
    private String role;
    private String maxSurge;
    private String maxUnavailable;
    private List<String> steps;
    private String scaleDownDelay;
    private String minHealthyTime;
    private String healthyDeadline;
    private String progressDeadline;
    private boolean autoRollback = true;
    private String onConflict;
    private String timeout = "1h";
    private boolean abortDeployment = true;
    private boolean dryRun;

    @DataBoundConstructor
    public DeployStep(String app, String env) {
        this.app = app;
        this.env = env;
    }

    public String getApp() { return app; }
    public String getEnv() { return env; }
    public String getPackageDigest() { return packageDigest; }
    @DataBoundSetter public void setPackageDigest(String v) { packageDigest = v; }
    public String getPromoteFrom() { return promoteFrom; }
    @DataBoundSetter public void setPromoteFrom(String v) { promoteFrom = v; }
    public Integer getInstances() { return instances; }
    @DataBoundSetter public void setInstances(Integer v) { instances = v; }
    public Integer getPriority() { return priority; }
    @DataBoundSetter public void setPriority(Integer v) { priority = v; }
    public String getStrategy() { return strategy; }
    @DataBoundSetter public void setStrategy(String v) { strategy = v; }
    public String getCommand() { return command; }
    @DataBoundSetter public void setCommand(String v) { command = v; }
    public String getCpus() { return cpus; }
    @DataBoundSetter public void setCpus(String v) { cpus = v; }
    public String getMemory() { return memory; }
    @DataBoundSetter public void setMemory(String v) { memory = v; }
    public String getDisk() { return disk; }
    @DataBoundSetter public void setDisk(String v) { disk = v; }
    public List<String> getPorts() { return ports; }
    @DataBoundSetter public void setPorts(List<String> v) { ports = ArgForms.lines(v, ","); }
    public List<String> getVars() { return vars; }
    @DataBoundSetter public void setVars(List<String> v) { vars = ArgForms.lines(v, ""); }
    public List<String> getSecrets() { return secrets; }
    @DataBoundSetter public void setSecrets(List<String> v) { secrets = ArgForms.lines(v, ","); }
    public List<String> getSecretCredentials() { return secretCredentials; }
    @DataBoundSetter public void setSecretCredentials(List<String> v) { secretCredentials = ArgForms.lines(v, ""); }
    public List<String> getConstraints() { return constraints; }
    @DataBoundSetter public void setConstraints(List<String> v) { constraints = ArgForms.lines(v, ""); }
    public String getRestart() { return restart; }
    @DataBoundSetter public void setRestart(String v) { restart = v; }
    public Integer getMinReadySeconds() { return minReadySeconds; }
    @DataBoundSetter public void setMinReadySeconds(Integer v) { minReadySeconds = v; }
    public String getRole() { return role; }
    @DataBoundSetter public void setRole(String v) { role = v; }
    public String getMaxSurge() { return maxSurge; }
    @DataBoundSetter public void setMaxSurge(String v) { maxSurge = v; }
    public String getMaxUnavailable() { return maxUnavailable; }
    @DataBoundSetter public void setMaxUnavailable(String v) { maxUnavailable = v; }
    public List<String> getSteps() { return steps; }
    @DataBoundSetter public void setSteps(List<String> v) { steps = ArgForms.lines(v, ""); }
    public String getScaleDownDelay() { return scaleDownDelay; }
    @DataBoundSetter public void setScaleDownDelay(String v) { scaleDownDelay = v; }
    public String getMinHealthyTime() { return minHealthyTime; }
    @DataBoundSetter public void setMinHealthyTime(String v) { minHealthyTime = v; }
    public String getHealthyDeadline() { return healthyDeadline; }
    @DataBoundSetter public void setHealthyDeadline(String v) { healthyDeadline = v; }
    public String getProgressDeadline() { return progressDeadline; }
    @DataBoundSetter public void setProgressDeadline(String v) { progressDeadline = v; }
    public boolean isAutoRollback() { return autoRollback; }
    @DataBoundSetter public void setAutoRollback(boolean v) { autoRollback = v; }
    public String getOnConflict() { return onConflict; }
    @DataBoundSetter public void setOnConflict(String v) { onConflict = v; }
    public String getTimeout() { return timeout; }
    @DataBoundSetter public void setTimeout(String v) { timeout = v; }
    public boolean isAbortDeployment() { return abortDeployment; }
    @DataBoundSetter public void setAbortDeployment(boolean v) { abortDeployment = v; }
    public boolean isDryRun() { return dryRun; }
    @DataBoundSetter public void setDryRun(boolean v) { dryRun = v; }

    @Override
    public StepExecution start(StepContext context) {
        List<CanaryStep> canary = null;
        if (steps != null) {
            canary = new ArrayList<>();
            for (String s : steps) { // WEIGHT[:PAUSE[:GATES]], as the CLI's --step: one parser
                canary.add(CanaryStep.parse(s));
            }
        }
        SecretSync.parse(secretCredentials); // a malformed line fails the step before anything is asked of the allocator
        return new Execution(context, app, env, canary, this, abortDeployment, timeout, dryRun);
    }

    DeployRequest request(List<CanaryStep> canary, String defaultRole, String actor, String buildUrl) {
        return new DeployRequest(packageDigest, command, null, instances, priority, cpus, memory, disk, ports, ArgForms.pairs("vars", vars),
                SecretSync.names(secrets, SecretSync.parse(secretCredentials)), null,
                ArgForms.constraints("constraints", constraints), ArgForms.restart("restart", restart), strategy, maxSurge, maxUnavailable, minReadySeconds, canary, scaleDownDelay,
                minHealthyTime, healthyDeadline, progressDeadline, autoRollback ? null : Boolean.FALSE, onConflict, promoteFrom,
                role != null ? role : defaultRole, actor, buildUrl);
    }

    static final class Execution extends WaitingStepExecution {
        private static final long serialVersionUID = 1L;
        private final String app;
        private final String env;
        private final String request; // SavedState of the DeployRequest: plain text survives the Pipeline's serialization
        private final boolean abortDeployment;
        private final String timeout;
        private final boolean dryRun;
        private final String role; // whose secrets secretCredentials sets: the deploy's
        private final java.util.LinkedHashMap<String, String> secretCredentials; // secret name -> credentials id; never a value
        private volatile String deploymentId;
        private long deadline; // epoch millis: a follow resumed after a restart ends here, not a full timeout later
        private volatile long seenEvent; // saved with the program, so a rejoin after a restart repeats no line
        private transient volatile DeployWatch watch;
        private transient volatile String status;

        Execution(StepContext context, String app, String env, List<CanaryStep> canary, DeployStep step, boolean abortDeployment, String timeout,
                  boolean dryRun) {
            super(context);
            this.app = app;
            this.env = env;
            String buildUrl = null;
            String actor = null;
            try {
                Run<?, ?> run = context.get(Run.class);
                buildUrl = BuildUrls.of(run);
                actor = run == null ? null : "jenkins " + run.getExternalizableId();
            } catch (Exception e) {
                // without the run, the revision records no build
            }
            DeployRequest req = step.request(canary, StewardConfiguration.get().getRole(), actor, buildUrl);
            this.request = SavedState.save(req);
            this.role = req.role();
            this.secretCredentials = new java.util.LinkedHashMap<>(SecretSync.parse(step.secretCredentials));
            this.abortDeployment = abortDeployment;
            this.timeout = timeout;
            this.dryRun = dryRun;
        }

        @Override
        public boolean start() {
            if (dryRun) {
                plan();
                return false;
            }
            run(() -> {
                setSecrets();
                watch = DeployWatch.start(StewardConfiguration.get().client(), app, env, SavedState.load(request, DeployRequest.class), listener());
                deploymentId = watch.deploymentId();
                deadline = java.time.Instant.now().plus(dev.steward.api.Units.duration("timeout", timeout)).toEpochMilli();
                getContext().saveState();
                finish();
            });
            return false;
        }

        /**
         * {@code secretCredentials}: each Secret text credential, as this build may use it (as
         * {@code withCredentials} looks it up), set as the service's secret before the deploy.
         * The values stay in this call: the execution keeps only the credentials' ids.
         */
        private void setSecrets() throws Exception {
            if (secretCredentials.isEmpty()) {
                return;
            }
            Run<?, ?> build = getContext().get(Run.class);
            java.util.Map<String, String> values = new java.util.LinkedHashMap<>();
            for (java.util.Map.Entry<String, String> e : secretCredentials.entrySet()) {
                StringCredentials c = CredentialsProvider.findCredentialById(e.getValue(), StringCredentials.class, build);
                if (c == null) {
                    throw new AbortException("secretCredentials: there is no Secret text credential '" + e.getValue() + "' that this build may use"
                            + " (for secret " + e.getKey() + ")");
                }
                values.put(e.getKey(), c.getSecret().getPlainText());
            }
            SecretSync.set(StewardConfiguration.get().client(), app, env, role, values, listener());
        }

        /** {@code dryRun}: the plan into the log and as the result; nothing is deployed. A read: asked again after a restart. */
        private void plan() {
            run(() -> getContext().onSuccess(DeployPlanRun.result(DeployPlanRun.plan(StewardConfiguration.get().client(), app, env,
                    SavedState.load(request, DeployRequest.class), listener()))));
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
            return s != null ? s : dryRun ? "asking for the deploy's plan" : deploymentId == null ? "starting the deployment" : "following deployment " + deploymentId;
        }

        @Override
        public void onResume() {
            if (dryRun) {
                plan();
                return;
            }
            if (deploymentId == null) {
                getContext().onFailure(new AbortException("the controller restarted before the deployment started; run the stage again"));
                return;
            }
            if (deadline == 0) { // saved by a release that kept no deadline
                deadline = java.time.Instant.now().plus(dev.steward.api.Units.duration("timeout", timeout)).toEpochMilli();
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
            return "deploy";
        }

        @Override
        public String getDisplayName() {
            return "Deploy an app to an environment with Steward (rolling, canary, blue/green)";
        }
    }
}
