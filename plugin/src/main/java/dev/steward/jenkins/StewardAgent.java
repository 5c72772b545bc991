package dev.steward.jenkins;

import hudson.Extension;
import hudson.model.Descriptor;
import hudson.model.TaskListener;
import hudson.slaves.AbstractCloudComputer;
import hudson.slaves.AbstractCloudSlave;
import hudson.slaves.CloudRetentionStrategy;
import hudson.slaves.JNLPLauncher;
import java.io.IOException;

/**
 * A Jenkins agent running in a Steward allocation: inbound over WebSocket, removed (and its
 * allocation released) after its template's idle minutes. A plain {@link AbstractCloudSlave}, not an
 * {@code EphemeralNode}, so it survives a controller restart with its request and allocation ids.
 */
public class StewardAgent extends AbstractCloudSlave {
    private static final long serialVersionUID = 1L;
    private final String cloudName;
    private String requestId;
    private String allocationId;

    StewardAgent(String name, StewardTemplate t, String cloudName) throws Descriptor.FormException, IOException {
        super(name, "/tmp/steward-jenkins-agent", launcher());
        this.cloudName = cloudName;
        setLabelString(t.getLabel());
        setNumExecutors(1);
        setMode(Mode.EXCLUSIVE);
        setRetentionStrategy(new CloudRetentionStrategy(t.getIdleMinutes()));
    }

    /** A one-shot agent inside an {@code allocate} step's allocation, labelled for {@code node(env.STEWARD_LABEL)}. */
    static StewardAgent oneShot(String name, String label, String requestId, String allocationId) throws Descriptor.FormException, IOException {
        StewardTemplate t = new StewardTemplate(label);
        t.setIdleMinutes(60);
        StewardAgent a = new StewardAgent(name, t, null);
        a.placed(requestId, allocationId);
        a.oneShot = true;
        return a;
    }

    private boolean oneShot;

    private static JNLPLauncher launcher() {
        JNLPLauncher l = new JNLPLauncher(); // its work directory is enabled by default
        l.setWebSocket(true);
        return l;
    }

    /** True for the agent an {@code allocate} step starts in its own allocation; the step removes it. */
    public boolean isOneShot() {
        return oneShot;
    }

    public String getCloudName() {
        return cloudName;
    }

    public String getRequestId() {
        return requestId;
    }

    public String getAllocationId() {
        return allocationId;
    }

    void placed(String requestId, String allocationId) {
        this.requestId = requestId;
        this.allocationId = allocationId;
    }

    @Override
    public AbstractCloudComputer<StewardAgent> createComputer() {
        return new AbstractCloudComputer<>(this);
    }

    @Override
    protected void _terminate(TaskListener listener) throws IOException {
        if (requestId != null && !oneShot) { // a one-shot agent's allocation belongs to its allocate step, which releases it
            StewardConfiguration.get().client().cancel(requestId);
            listener.getLogger().println("steward: released request " + requestId + " of agent " + getNodeName());
        }
    }

    @Extension
    public static final class DescriptorImpl extends SlaveDescriptor {
        @Override
        public String getDisplayName() {
            return "Steward agent";
        }

        @Override
        public boolean isInstantiable() {
            return false;
        }
    }
}
