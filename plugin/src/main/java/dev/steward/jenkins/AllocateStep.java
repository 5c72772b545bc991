package dev.steward.jenkins;

import dev.steward.api.AllocateRequest;
import dev.steward.api.ArgForms;
import dev.steward.api.Units;
import dev.steward.steps.AllocateSession;
import dev.steward.steps.AllocationWatch;
import dev.steward.steps.SavedState;
import hudson.AbortException;
import hudson.Extension;
import hudson.model.Node;
import hudson.model.Result;
import hudson.model.TaskListener;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import jenkins.model.Jenkins;
import jenkins.util.Timer;
import org.jenkinsci.plugins.workflow.steps.BodyExecution;
import org.jenkinsci.plugins.workflow.steps.EnvironmentExpander;
import org.jenkinsci.plugins.workflow.steps.FlowInterruptedException;
import org.jenkinsci.plugins.workflow.steps.Step;
import org.jenkinsci.plugins.workflow.steps.StepContext;
import org.jenkinsci.plugins.workflow.steps.StepExecution;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;

/**
 * {@code allocate(cpus: 2, memory: '4g', ports: ['db'], ttl: '30m') { sh '... $STEWARD_PORT_DB' }}:
 * waits for placement (saying why while pending), runs the body with the STEWARD_* environment,
 * renews the lease meanwhile, and always releases. An allocation that ends under the body (lost
 * with its agent, preempted) fails it, saying why. Survives a controller restart: only the
 * request id is kept; the session, the renewal timer and the watch are rebuilt in {@code onResume}.
 */
public class AllocateStep extends Step {
    private String role;
    private String name;
    private Integer count;
    private String cpus;
    private String memory;
    private String disk;
    private String gpus;
    private String gpuModel;
    private List<String> ports;
    private List<String> scalars;
    private List<String> constraints;
    private String placement;
    private Integer priority;
    private boolean preemptible;
    private boolean gang;
    private String ttl;
    private String wait = "1h";
    private boolean executor;
    private String jvmOptions;

    @DataBoundConstructor
    public AllocateStep() {
    }

    public String getRole() { return role; }
    @DataBoundSetter public void setRole(String v) { role = v; }
    public String getName() { return name; }
    @DataBoundSetter public void setName(String v) { name = v; }
    public Integer getCount() { return count; }
    @DataBoundSetter public void setCount(Integer v) { count = v; }
    public String getCpus() { return cpus; }
    @DataBoundSetter public void setCpus(String v) { cpus = v; }
    public String getMemory() { return memory; }
    @DataBoundSetter public void setMemory(String v) { memory = v; }
    public String getDisk() { return disk; }
    @DataBoundSetter public void setDisk(String v) { disk = v; }
    public String getGpus() { return gpus; }
    @DataBoundSetter public void setGpus(String v) { gpus = v; }
    public String getGpuModel() { return gpuModel; }
    @DataBoundSetter public void setGpuModel(String v) { gpuModel = v; }
    public List<String> getPorts() { return ports; }
    @DataBoundSetter public void setPorts(List<String> v) { ports = ArgForms.lines(v, ","); }
    public List<String> getScalars() { return scalars; }
    @DataBoundSetter public void setScalars(List<String> v) { scalars = ArgForms.lines(v, ","); }
    public List<String> getConstraints() { return constraints; }
    @DataBoundSetter public void setConstraints(List<String> v) { constraints = ArgForms.lines(v, ""); }
    public String getPlacement() { return placement; }
    @DataBoundSetter public void setPlacement(String v) { placement = v; }
    public Integer getPriority() { return priority; }
    @DataBoundSetter public void setPriority(Integer v) { priority = v; }
    public boolean isPreemptible() { return preemptible; }
    @DataBoundSetter public void setPreemptible(boolean v) { preemptible = v; }
    public boolean isGang() { return gang; }
    @DataBoundSetter public void setGang(boolean v) { gang = v; }
    public String getTtl() { return ttl; }
    @DataBoundSetter public void setTtl(String v) { ttl = v; }
    public String getWait() { return wait; }
    @DataBoundSetter public void setWait(String v) { wait = v; }
    public boolean isExecutor() { return executor; }
    @DataBoundSetter public void setExecutor(boolean v) { executor = v; }
    public String getJvmOptions() { return jvmOptions; }
    @DataBoundSetter public void setJvmOptions(String v) { jvmOptions = v; }

    @Override
    public StepExecution start(StepContext context) {
        String r = role != null ? role : StewardConfiguration.get().getRole();
        AllocateRequest req = new AllocateRequest(r, name, count, cpus, memory, disk, gpus, gpuModel, ports, ArgForms.scalars("scalars", scalars),
                ArgForms.constraints("constraints", constraints), placement, priority, preemptible ? Boolean.TRUE : null, gang ? Boolean.TRUE : null, ttl);
        return new Execution(context, req, wait, executor, jvmOptions);
    }

    static final class Execution extends WaitingStepExecution {
        private static final long serialVersionUID = 1L;
        private static final Logger LOG = Logger.getLogger(AllocateStep.class.getName());
        private final String request; // SavedState of the AllocateRequest: plain text survives the Pipeline's serialization
        private final String wait;
        private final boolean executor;
        private final String jvmOptions;
        private String agentName;
        private String requestId;
        private long deadline; // epoch millis: a wait resumed after a restart ends here, not a full wait later
        private boolean bodyStarted;
        /** The running body, cancelled when an allocation ends under it; kept across a restart (it is serializable). */
        private BodyExecution body;
        private transient AllocateSession session;

        Execution(StepContext context, AllocateRequest request, String wait, boolean executor, String jvmOptions) {
            super(context);
            this.request = SavedState.save(request);
            this.wait = wait;
            this.executor = executor;
            this.jvmOptions = jvmOptions;
        }

        @Override
        public boolean start() {
            run(() -> {
                TaskListener listener = getContext().get(TaskListener.class);
                session = AllocateSession.start(StewardConfiguration.get().client(), SavedState.load(request, AllocateRequest.class),
                        Listeners.of(listener)).retryingFailedReleaseIn(StewardConfiguration.pendingReleases());
                requestId = session.requestId();
                deadline = Instant.now().plus(Units.duration("wait", wait)).toEpochMilli();
                getContext().saveState();
                awaitThenRunBody();
            });
            return false;
        }

        /** Waits for placement holding no thread, then runs the body; not placed by the saved deadline fails the step. */
        private void awaitThenRunBody() {
            then(session.awaitPlacementAsync(Instant.ofEpochMilli(deadline), Clock.systemUTC()), r -> {
                if (!session.placed(r)) {
                    session.release("not placed");
                    throw new AbortException("not placed within " + wait + ": " + session.status());
                }
                runBody();
            });
        }

        private void runBody() throws Exception {
            session.startRenewing(Timer.get());
            java.util.Map<String, String> env = new java.util.LinkedHashMap<>(session.environment());
            if (executor) { // a one-shot Jenkins agent inside the allocation, for node(env.STEWARD_LABEL) { }
                String label = dev.steward.steps.CloudPlanner.oneShotLabel(requestId);
                agentName = label + "-agent";
                StewardAgent agent = StewardAgent.oneShot(agentName, label, requestId, session.allocations().get(0).id());
                Jenkins.get().addNode(agent);
                StewardCloud.startAgent(StewardConfiguration.get().client(), agent, jvmOptions);
                ExecutorWatches.arm(agent); // preempted under the body: its node block is interrupted, saying why
                env.put("STEWARD_LABEL", label);
            }
            bodyStarted = true;
            getContext().saveState(); // before the body starts: a restart in between finds it started, never starts it twice
            body = getContext().newBodyInvoker()
                    .withContext(EnvironmentExpander.merge(getContext().get(EnvironmentExpander.class),
                            EnvironmentExpander.constant(env)))
                    .withCallback(new Release())
                    .start();
            getContext().saveState(); // and with the body, so a resumed step can fail it
            watchEnds();
        }

        /**
         * An allocation that ends under the body (lost with its agent, preempted, expired) fails the
         * body, saying why; the cause is retryable, so {@code retry(conditions: [agent()])} around the
         * step allocates again. Before, the body ran on to its end on resources gone, and the step passed.
         */
        private void watchEnds() {
            session.watchEnds(Timer.get(), Clock.systemUTC(), a -> {
                BodyExecution b = body;
                if (b != null) {
                    b.cancel(new FlowInterruptedException(Result.FAILURE, true, new PreemptedCause(AllocationWatch.why(a))));
                }
            });
        }

        @Override
        public void onResume() {
            if (requestId == null) {
                getContext().onFailure(new AbortException("the controller restarted before the allocation was requested; run the stage again"));
                return;
            }
            run(() -> {
                session = AllocateSession.resume(StewardConfiguration.get().client(), requestId, Listeners.of(getContext().get(TaskListener.class)))
                        .retryingFailedReleaseIn(StewardConfiguration.pendingReleases());
                if (bodyStarted) { // placed before the restart: read it back (no wait) and re-arm the renewals, whose timer is transient
                    then(session.awaitPlacementAsync(Instant.now(), Clock.systemUTC()), r -> {
                        if (session.placed(r)) {
                            session.startRenewing(Timer.get());
                            watchEnds();
                        }
                    });
                } else {
                    if (deadline == 0) { // saved by a release that kept no deadline
                        deadline = Instant.now().plus(Units.duration("wait", wait)).toEpochMilli();
                    }
                    awaitThenRunBody(); // continues to the deadline saved before the restart
                }
            });
        }

        @Override
        protected void stopping(Throwable cause) {
            release("aborted");
        }

        /** Removes the one-shot agent and releases the request, once; a failure is said in the build's log and left to the sweep to retry. */
        private void release(String why) {
            try {
                if (agentName != null) {
                    Node n = Jenkins.get().getNode(agentName);
                    if (n != null) {
                        Jenkins.get().removeNode(n);
                    }
                }
                if (session == null && requestId != null) {
                    session = AllocateSession.resume(StewardConfiguration.get().client(), requestId, Listeners.of(getContext().get(TaskListener.class)))
                            .retryingFailedReleaseIn(StewardConfiguration.pendingReleases());
                }
                if (session != null) {
                    session.release(why); // says a failed release itself, and remembers it for the sweep
                }
            } catch (Exception e) {
                say("steward: WARNING: releasing request " + requestId + " failed (the sweep retries it; its lease ends by itself): " + e);
                if (requestId != null) {
                    try {
                        StewardConfiguration.pendingReleases().add(requestId);
                    } catch (IOException x) {
                        LOG.log(Level.WARNING, "cannot remember request " + requestId + " for a retry", x);
                    }
                }
            }
        }

        private void say(String line) {
            try {
                getContext().get(TaskListener.class).getLogger().println(line);
            } catch (Exception e) {
                LOG.log(Level.WARNING, line, e);
            }
        }

        @Override
        public String getStatus() {
            return session == null ? "requesting an allocation" : session.status();
        }


        /** Releases when the body ends, however it ends. */
        private final class Release extends TailCall {
            private static final long serialVersionUID = 1L;

            @Override
            protected void finished(StepContext context) {
                release("the body ended");
            }
        }
    }

    @Extension
    public static final class DescriptorImpl extends StewardStepDescriptor {
        @Override
        public String getFunctionName() {
            return "allocate";
        }

        @Override
        public boolean takesImplicitBlockArgument() {
            return true;
        }

        @Override
        public String getDisplayName() {
            return "Hold cluster resources from Steward while the body runs";
        }
    }
}
