package dev.steward.jenkins;

import dev.steward.api.ArgForms;
import dev.steward.steps.StepListener;
import dev.steward.steps.TaskCommand;
import hudson.AbortException;
import hudson.Extension;
import hudson.model.TaskListener;
import java.util.ArrayList;
import java.util.List;
import org.jenkinsci.plugins.workflow.steps.Step;
import org.jenkinsci.plugins.workflow.steps.StepContext;
import org.jenkinsci.plugins.workflow.steps.StepExecution;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;

/**
 * {@code execService app: 'web', env: 'prod', instance: '0', script: 'bin/migrate --apply'}: a
 * command run once inside a live instance of a service, as {@code steward exec} runs it (the
 * task's user, limits, files and environment; the allocation's history records it), answered as
 * {@code sh} answers: its output in the build log, a non-zero exit or its timeout fails the step,
 * {@code returnStdout} gives the output instead, {@code returnStatus} the exit code (124 for the
 * timeout). {@code command} is the program and its words, {@code script} one shell line run with
 * {@code sh -c}. Without a thread while the command runs; never sent twice (after a controller
 * restart the step fails rather than run it again).
 */
public class ExecServiceStep extends Step {
    private final String app;
    private final String env;
    private String instance;
    private List<String> command;
    private String script;
    private String timeout;
    private boolean returnStdout;
    private boolean returnStatus;

    @DataBoundConstructor
    public ExecServiceStep(String app, String env) {
        this.app = app;
        this.env = env;
    }

    public String getApp() { return app; }
    public String getEnv() { return env; }
    public String getInstance() { return instance; }
    @DataBoundSetter public void setInstance(String v) { instance = v == null || v.isBlank() ? null : v.trim(); }
    public List<String> getCommand() { return command; }
    @DataBoundSetter public void setCommand(List<String> v) { command = ArgForms.words(v); }
    public String getScript() { return script; }
    @DataBoundSetter public void setScript(String v) { script = v == null || v.isBlank() ? null : v; }
    public String getTimeout() { return timeout; }
    @DataBoundSetter public void setTimeout(String v) { timeout = v == null || v.isBlank() ? null : v.trim(); }
    public boolean isReturnStdout() { return returnStdout; }
    @DataBoundSetter public void setReturnStdout(boolean v) { returnStdout = v; }
    public boolean isReturnStatus() { return returnStatus; }
    @DataBoundSetter public void setReturnStatus(boolean v) { returnStatus = v; }

    @Override
    public StepExecution start(StepContext context) throws Exception {
        if (returnStdout && returnStatus) {
            throw new AbortException("returnStdout and returnStatus: choose one (returnStatus gives the exit code, returnStdout the output)");
        }
        if ((command == null) == (script == null)) {
            throw new AbortException(command == null ? "give command: the program and its words (['cat', 'VERSION']), or script: one shell line"
                    : "give command or script, not both");
        }
        List<String> words = command != null ? command : List.of("sh", "-c", script);
        TaskCommand.check(words, timeout); // bad words or a bad timeout fail the step before anything runs
        return new Execution(context, app, env, instance, new ArrayList<>(words), timeout, returnStdout, returnStatus);
    }

    static final class Execution extends WaitingStepExecution {
        private static final long serialVersionUID = 1L;
        private final String app;
        private final String env;
        private final String instance;
        private final ArrayList<String> command;
        private final String timeout;
        private final boolean returnStdout;
        private final boolean returnStatus;
        private volatile String sentTo; // saved with the program: the instance the command went to, for what a restart says
        private transient volatile String status;

        Execution(StepContext context, String app, String env, String instance, ArrayList<String> command, String timeout, boolean returnStdout,
                  boolean returnStatus) {
            super(context);
            this.app = app;
            this.env = env;
            this.instance = instance;
            this.command = command;
            this.timeout = timeout;
            this.returnStdout = returnStdout;
            this.returnStatus = returnStatus;
        }

        @Override
        public boolean start() {
            run(() -> {
                StepListener log = listener();
                TaskCommand cmd;
                try {
                    cmd = TaskCommand.prepare(StewardConfiguration.get().client(), app, env, instance, command, timeout, log);
                } catch (IllegalArgumentException e) {
                    throw new AbortException(e.getMessage());
                }
                sentTo = cmd.instance().id();
                getContext().saveState();
                then(cmd.runAsync(), r -> {
                    TaskCommand.Outcome o = cmd.outcome(r, returnStdout, returnStatus, log);
                    if (o.failed()) {
                        throw new AbortException(o.message());
                    }
                    getContext().onSuccess(o.value());
                });
            });
            return false;
        }

        private StepListener listener() throws Exception {
            return Listeners.of(getContext().get(TaskListener.class), text -> status = text);
        }

        @Override
        public String getStatus() {
            String s = status;
            return s != null ? s : "finding the instance of " + app + "/" + env;
        }

        /** Not sent again: the command may have run, and running it twice is not the step's to decide. */
        @Override
        public void onResume() {
            getContext().onFailure(new AbortException(sentTo == null ? "the controller restarted before the command was sent; run the stage again"
                    : "the controller restarted while the command ran in instance " + sentTo + " of " + app + "/" + env
                    + "; it may have run (its allocation's history records it: steward allocations show), and is not run again"));
        }
    }

    @Extension
    public static final class DescriptorImpl extends StewardStepDescriptor {
        @Override
        public String getFunctionName() {
            return "execService";
        }

        @Override
        public String getDisplayName() {
            return "Run a command once inside an instance of a service (Steward)";
        }
    }
}
