package dev.steward.jenkins;

import dev.steward.api.MonitorReport;
import dev.steward.api.ArgForms;
import dev.steward.api.MonitorSpec;
import dev.steward.steps.MonitorRun;
import dev.steward.steps.SavedState;
import dev.steward.steps.StepListener;
import hudson.AbortException;
import hudson.Extension;
import hudson.FilePath;
import hudson.Launcher;
import hudson.model.Result;
import hudson.model.Run;
import hudson.model.TaskListener;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jenkins.util.BuildListenerAdapter;
import org.jenkinsci.plugins.workflow.steps.Step;
import org.jenkinsci.plugins.workflow.steps.StepContext;
import org.jenkinsci.plugins.workflow.steps.StepExecution;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;

/**
 * {@code monitor app: 'web', env: 'prod', duration: '5m', gates: ['error-rate < 1%', 'p99 < 250ms']}:
 * runs the gates, writes monitor.json and monitor.html into the build directory and archives
 * them as the build's artifacts under steward-monitor/ID/, returns the verdict and its figures; fails on fail and marks the build unstable on
 * inconclusive (or fails, with {@code failOnInconclusive: true}).
 */
public class MonitorStep extends Step {
    private final String app;
    private final String env;
    private List<String> gates;
    private String duration;
    private String interval;
    private String window;
    private Integer failureLimit;
    private String metricsPath;
    private String metricsPort;
    private String requestsMetric;
    private String statusLabel;
    private String errorStatus;
    private String latencyMetric;
    private String logPattern;
    private boolean rollbackOnFail;
    private boolean failOnInconclusive;

    @DataBoundConstructor
    public MonitorStep(String app, String env) {
        this.app = app;
        this.env = env;
    }

    public String getApp() { return app; }
    public String getEnv() { return env; }
    public List<String> getGates() { return gates; }
    @DataBoundSetter public void setGates(List<String> v) { gates = ArgForms.lines(v, ""); }
    public String getDuration() { return duration; }
    @DataBoundSetter public void setDuration(String v) { duration = v; }
    public String getInterval() { return interval; }
    @DataBoundSetter public void setInterval(String v) { interval = v; }
    public String getWindow() { return window; }
    @DataBoundSetter public void setWindow(String v) { window = v; }
    public Integer getFailureLimit() { return failureLimit; }
    @DataBoundSetter public void setFailureLimit(Integer v) { failureLimit = v; }
    public String getMetricsPath() { return metricsPath; }
    @DataBoundSetter public void setMetricsPath(String v) { metricsPath = v; }
    public String getMetricsPort() { return metricsPort; }
    @DataBoundSetter public void setMetricsPort(String v) { metricsPort = v; }
    public String getRequestsMetric() { return requestsMetric; }
    @DataBoundSetter public void setRequestsMetric(String v) { requestsMetric = v; }
    public String getStatusLabel() { return statusLabel; }
    @DataBoundSetter public void setStatusLabel(String v) { statusLabel = v; }
    public String getErrorStatus() { return errorStatus; }
    @DataBoundSetter public void setErrorStatus(String v) { errorStatus = v; }
    public String getLatencyMetric() { return latencyMetric; }
    @DataBoundSetter public void setLatencyMetric(String v) { latencyMetric = v; }
    public String getLogPattern() { return logPattern; }
    @DataBoundSetter public void setLogPattern(String v) { logPattern = v; }
    public boolean isRollbackOnFail() { return rollbackOnFail; }
    @DataBoundSetter public void setRollbackOnFail(boolean v) { rollbackOnFail = v; }
    public boolean isFailOnInconclusive() { return failOnInconclusive; }
    @DataBoundSetter public void setFailOnInconclusive(boolean v) { failOnInconclusive = v; }

    @Override
    public StepExecution start(StepContext context) {
        MonitorSpec spec = new MonitorSpec(gates, duration, interval, window, failureLimit, metricsPath, metricsPort, requestsMetric, statusLabel,
                errorStatus, latencyMetric, logPattern, rollbackOnFail ? Boolean.TRUE : null);
        return new Execution(context, app, env, spec, failOnInconclusive);
    }

    static final class Execution extends WaitingStepExecution {
        private static final long serialVersionUID = 1L;
        private final String app;
        private final String env;
        private final String spec; // SavedState of the MonitorSpec: plain text survives the Pipeline's serialization
        private final boolean failOnInconclusive;
        private volatile String monitorId;
        private long deadline; // epoch millis: the monitor's duration and two minutes; kept across a restart
        private transient volatile String status;

        Execution(StepContext context, String app, String env, MonitorSpec spec, boolean failOnInconclusive) {
            super(context);
            this.app = app;
            this.env = env;
            this.spec = SavedState.save(spec);
            this.failOnInconclusive = failOnInconclusive;
        }

        @Override
        public boolean start() {
            run(() -> {
                MonitorRun m = MonitorRun.start(StewardConfiguration.get().client(), app, env, SavedState.load(spec, MonitorSpec.class), listener());
                monitorId = m.id();
                deadline = java.time.Instant.now().plus(SavedState.load(spec, MonitorSpec.class).durationValue().plus(Duration.ofMinutes(2))).toEpochMilli();
                getContext().saveState();
                finish(m);
            });
            return false;
        }

        /** Follows to the verdict or the saved deadline, holding no thread meanwhile, then reports. */
        private void finish(MonitorRun m) {
            then(m.awaitEndAsync(java.time.Instant.ofEpochMilli(deadline), java.time.Clock.systemUTC()), ended -> report(m, m.verdict(ended)));
        }

        private void report(MonitorRun m, MonitorReport r) throws Exception {
            Run<?, ?> run = getContext().get(Run.class);
            Path dir = run.getRootDir().toPath().resolve("steward-monitor").resolve(r.id());
            Path html = m.writeReports(r, dir);
            TaskListener listener = getContext().get(TaskListener.class);
            listener.getLogger().println("steward: reports archived as steward-monitor/" + r.id() + "/monitor.html and monitor.json");
            // archived with the build: the artifact manager takes them from the build directory on the controller
            Map<String, String> files = new LinkedHashMap<>();
            files.put("steward-monitor/" + r.id() + "/monitor.html", "monitor.html");
            files.put("steward-monitor/" + r.id() + "/monitor.json", "monitor.json");
            run.pickArtifactManager().archive(new FilePath(dir.toFile()), new Launcher.LocalLauncher(listener), new BuildListenerAdapter(listener), files);
            MonitorRun.Result result = MonitorRun.result(r.verdict(), failOnInconclusive);
            if (result == MonitorRun.Result.FAILURE) {
                throw new AbortException("monitor " + r.verdict() + ": " + r.reason() + (r.rolledBack() == null ? "" : "; " + r.rolledBack()));
            }
            if (result == MonitorRun.Result.UNSTABLE) {
                getContext().setResult(Result.UNSTABLE);
            }
            getContext().onSuccess(MonitorRun.stepResult(r));
        }

        private StepListener listener() throws Exception {
            return Listeners.of(getContext().get(TaskListener.class), text -> status = text);
        }

        @Override
        public String getStatus() {
            String s = status;
            return s != null ? s : monitorId == null ? "starting the monitor" : "monitor " + monitorId;
        }

        @Override
        public void onResume() {
            if (monitorId == null) {
                getContext().onFailure(new AbortException("the controller restarted before the monitor started; run the stage again"));
                return;
            }
            if (deadline == 0) { // saved by a release that kept no deadline
                deadline = java.time.Instant.now().plus(SavedState.load(spec, MonitorSpec.class).durationValue().plus(Duration.ofMinutes(2))).toEpochMilli();
            }
            run(() -> finish(MonitorRun.join(StewardConfiguration.get().client(), monitorId, listener())));
        }

    }

    @Extension
    public static final class DescriptorImpl extends StewardStepDescriptor {
        @Override
        public Set<? extends Class<?>> getRequiredContext() {
            return Set.of(TaskListener.class, Run.class);
        }

        @Override
        public String getFunctionName() {
            return "monitor";
        }

        @Override
        public String getDisplayName() {
            return "Watch a service with SLO gates and give a verdict (Steward)";
        }
    }
}
