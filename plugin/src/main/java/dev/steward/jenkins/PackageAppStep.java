package dev.steward.jenkins;

import dev.steward.client.StewardClient;
import dev.steward.api.ArgForms;
import dev.steward.steps.PackageRun;
import dev.steward.steps.SavedState;
import hudson.EnvVars;
import hudson.Extension;
import hudson.FilePath;
import hudson.model.Run;
import hudson.model.TaskListener;
import hudson.remoting.VirtualChannel;
import java.io.File;
import java.io.IOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jenkins.MasterToSlaveFileCallable;
import org.jenkinsci.plugins.workflow.steps.Step;
import org.jenkinsci.plugins.workflow.steps.StepContext;
import org.jenkinsci.plugins.workflow.steps.StepExecution;
import org.jenkinsci.plugins.workflow.steps.SynchronousNonBlockingStepExecution;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;

/** {@code packageApp name: 'web', include: 'build/libs/*.jar', command: '...', ports: ['http']}: returns the digest. */
public class PackageAppStep extends Step {
    private final String name;
    private String version;
    private String include;
    private String exclude;
    private boolean defaultExcludes = true;
    private String command;
    private List<String> env;
    private List<String> ports;
    private String healthHttp;
    private boolean healthTcp;
    private String healthPort;
    private String healthInterval;
    private String cpus;
    private String memory;
    private String disk;
    private String out;

    @DataBoundConstructor
    public PackageAppStep(String name) {
        this.name = name;
    }

    public String getName() { return name; }
    public String getVersion() { return version; }
    @DataBoundSetter public void setVersion(String v) { version = v; }
    public String getInclude() { return include; }
    @DataBoundSetter public void setInclude(String v) { include = v; }
    public String getExclude() { return exclude; }
    @DataBoundSetter public void setExclude(String v) { exclude = v; }
    public boolean isDefaultExcludes() { return defaultExcludes; }
    @DataBoundSetter public void setDefaultExcludes(boolean v) { defaultExcludes = v; }
    public String getCommand() { return command; }
    @DataBoundSetter public void setCommand(String v) { command = v; }
    public List<String> getEnv() { return env; }
    @DataBoundSetter public void setEnv(List<String> v) { env = ArgForms.lines(v, ""); }
    public List<String> getPorts() { return ports; }
    @DataBoundSetter public void setPorts(List<String> v) { ports = ArgForms.lines(v, ","); }
    public String getHealthHttp() { return healthHttp; }
    @DataBoundSetter public void setHealthHttp(String v) { healthHttp = v; }
    public boolean isHealthTcp() { return healthTcp; }
    @DataBoundSetter public void setHealthTcp(boolean v) { healthTcp = v; }
    public String getHealthPort() { return healthPort; }
    @DataBoundSetter public void setHealthPort(String v) { healthPort = v; }
    public String getHealthInterval() { return healthInterval; }
    @DataBoundSetter public void setHealthInterval(String v) { healthInterval = v; }
    public String getCpus() { return cpus; }
    @DataBoundSetter public void setCpus(String v) { cpus = v; }
    public String getMemory() { return memory; }
    @DataBoundSetter public void setMemory(String v) { memory = v; }
    public String getDisk() { return disk; }
    @DataBoundSetter public void setDisk(String v) { disk = v; }
    public String getOut() { return out; }
    @DataBoundSetter public void setOut(String v) { out = v; }

    @Override
    public StepExecution start(StepContext context) {
        PackageRun.Args args = new PackageRun.Args(name, version, include, exclude, defaultExcludes, command, ArgForms.pairs("env", env), ports,
                healthHttp, healthTcp, healthPort, healthInterval, cpus, memory, disk, out);
        return new Execution(context, args);
    }

    static final class Execution extends SynchronousNonBlockingStepExecution<String> {
        private static final long serialVersionUID = 1L;
        private final String args; // SavedState of the PackageRun.Args: plain text survives the Pipeline's serialization

        Execution(StepContext context, PackageRun.Args args) {
            super(context);
            this.args = SavedState.save(args);
        }

        @Override
        protected String run() throws Exception {
            FilePath workspace = getContext().get(FilePath.class);
            EnvVars vars = getContext().get(EnvVars.class);
            Run<?, ?> run = getContext().get(Run.class);
            TaskListener listener = getContext().get(TaskListener.class);
            Map<String, String> build = new LinkedHashMap<>();
            for (String k : List.of("BUILD_URL", "JOB_NAME", "BUILD_NUMBER", "GIT_COMMIT", "SOURCE_DATE_EPOCH")) {
                if (vars.get(k) != null) {
                    build.put(k, vars.get(k));
                }
            }
            StewardConfiguration cfg = StewardConfiguration.get();
            PackageRun.Result r = workspace.act(new OnAgent(SavedState.load(args, PackageRun.Args.class), build, run.getStartTimeInMillis(), "jenkins " + run.getExternalizableId(),
                    cfg.address(), cfg.token(), cfg.getCaCertificate(), cfg.isAllowPlainHttp(), listener));
            return r.digest();
        }
    }

    /** Runs where the workspace is: packages there and uploads from there. */
    static final class OnAgent extends MasterToSlaveFileCallable<PackageRun.Result> {
        private static final long serialVersionUID = 1L;
        private final PackageRun.Args args;
        private final Map<String, String> build;
        private final long started;
        private final String createdBy;
        private final String address;
        private final String token;
        private final String caCertificate;
        private final boolean allowPlainHttp;
        private final TaskListener listener;

        OnAgent(PackageRun.Args args, Map<String, String> build, long started, String createdBy, String address, String token, String caCertificate,
                boolean allowPlainHttp, TaskListener listener) {
            this.caCertificate = caCertificate;
            this.allowPlainHttp = allowPlainHttp;
            this.args = args;
            this.build = build;
            this.started = started;
            this.createdBy = createdBy;
            this.address = address;
            this.token = token;
            this.listener = listener;
        }

        @Override
        public PackageRun.Result invoke(File workspace, VirtualChannel channel) throws IOException {
            StewardClient client = StewardClient.builder(address).token(token).caCertificate(caCertificate).allowPlainHttp(allowPlainHttp).build();
            return PackageRun.run(workspace.toPath(), args, build, Instant.ofEpochMilli(started), createdBy, client, Listeners.of(listener, token));
        }
    }

    @Extension
    public static final class DescriptorImpl extends StewardStepDescriptor {
        @Override
        public Set<? extends Class<?>> getRequiredContext() {
            return Set.of(FilePath.class, EnvVars.class, Run.class, TaskListener.class);
        }

        @Override
        public String getFunctionName() {
            return "packageApp";
        }

        @Override
        public String getDisplayName() {
            return "Package the app for Steward (deterministic, uploaded once)";
        }
    }
}
