package dev.steward.jenkins;

import dev.steward.api.PackageManifest;
import dev.steward.api.TaskInfo;
import dev.steward.api.TaskSpec;
import dev.steward.client.StewardClient;
import dev.steward.pkg.BuiltPackage;
import dev.steward.pkg.PackageBuilder;
import dev.steward.steps.AllocateSession;
import dev.steward.steps.CloudPlanner;
import dev.steward.steps.StepListener;
import hudson.Extension;
import hudson.model.Computer;
import hudson.model.Descriptor;
import hudson.model.Label;
import hudson.model.Node;
import hudson.model.Slave;
import hudson.slaves.Cloud;
import hudson.slaves.NodeProvisioner;
import hudson.slaves.SlaveComputer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.logging.Logger;
import jenkins.model.Jenkins;
import org.jenkinsci.Symbol;
import org.kohsuke.stapler.DataBoundConstructor;

/**
 * Elastic executors in borrowed cluster capacity: for each label a template matches, plans
 * agents with {@link CloudPlanner} (within the cap, counting those on their way), asks Steward for
 * an allocation per agent (preemptible and low priority by default), and runs {@code agent.jar}
 * there from a package the agent runtime caches, the node's secret written to a file, never on a
 * command line.
 */
public class StewardCloud extends Cloud {
    private static final Logger LOG = Logger.getLogger(StewardCloud.class.getName());
    private final List<StewardTemplate> templates;

    @DataBoundConstructor
    public StewardCloud(String name, List<StewardTemplate> templates) {
        super(name);
        this.templates = templates == null ? List.of() : List.copyOf(templates);
    }

    public List<StewardTemplate> getTemplates() {
        return templates;
    }

    StewardTemplate templateFor(Label label) {
        for (StewardTemplate t : templates) {
            if (label == null ? false : label.matches(Label.parse(t.getLabel()))) {
                return t;
            }
        }
        return null;
    }

    @Override
    public boolean canProvision(CloudState state) {
        return templateFor(state.getLabel()) != null;
    }

    @Override
    public Collection<NodeProvisioner.PlannedNode> provision(CloudState state, int excessWorkload) {
        StewardTemplate t = templateFor(state.getLabel());
        List<NodeProvisioner.PlannedNode> out = new ArrayList<>();
        if (t == null) {
            return out;
        }
        int existing = 0;
        for (Node n : Jenkins.get().getNodes()) {
            if (n instanceof StewardAgent a && name.equals(a.getCloudName()) && t.getLabel().equals(a.getLabelString())) {
                existing++;
            }
        }
        int n = CloudPlanner.toProvision(t.plan(), excessWorkload, existing, state.getAdditionalPlannedCapacity());
        for (int i = 0; i < n; i++) {
            String nodeName = CloudPlanner.nodeName(t.getLabel(), UUID.randomUUID().toString().substring(0, 8));
            out.add(new NodeProvisioner.PlannedNode(nodeName, launch(t, nodeName), 1));
        }
        return out;
    }

    /**
     * Adds the node, asks for its allocation and, once placed, starts agent.jar there. The wait for
     * placement holds no thread (up to 5 minutes); the short calls before and after run on
     * {@link Computer#threadPoolForRemoting}. Not placed, or failing, the node is removed again.
     */
    private CompletableFuture<Node> launch(StewardTemplate t, String nodeName) {
        StewardAgent agent;
        try {
            agent = new StewardAgent(nodeName, t, name);
        } catch (Descriptor.FormException | IOException e) { // a node Jenkins refuses: this planned node fails, as a launch that fails later would
            LOG.log(java.util.logging.Level.WARNING, "provisioning " + nodeName + " failed", e);
            return CompletableFuture.failedFuture(e);
        }
        StepListener log = line -> LOG.info(nodeName + ": " + line);
        return CompletableFuture.supplyAsync(() -> {
            try {
                Jenkins.get().addNode(agent);
                return AllocateSession.start(StewardConfiguration.get().client(), t.plan().request(StewardConfiguration.get().getRole(), nodeName), log)
                        .retryingFailedReleaseIn(StewardConfiguration.pendingReleases());
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        }, Computer.threadPoolForRemoting).thenCompose(s -> s.awaitPlacementAsync(Instant.now().plus(Duration.ofMinutes(5)), Clock.systemUTC())
                .thenApplyAsync(r -> {
                    try {
                        if (!s.placed(r)) {
                            s.release("not placed");
                            throw new IOException("no capacity for " + nodeName + " within 5m: " + s.status());
                        }
                        agent.placed(s.requestId(), s.allocations().get(0).id());
                        Jenkins.get().updateNode(agent);
                        startAgent(StewardConfiguration.get().client(), agent, t.getJvmOptions());
                        ExecutorWatches.arm(agent);
                        return (Node) agent;
                    } catch (Exception e) {
                        s.release("the agent did not start");
                        throw new CompletionException(e);
                    }
                }, Computer.threadPoolForRemoting)).whenComplete((n, err) -> {
                    if (err != null) {
                        try {
                            Jenkins.get().removeNode(agent);
                        } catch (Exception e) {
                            err.addSuppressed(e);
                        }
                        LOG.log(java.util.logging.Level.WARNING, "provisioning " + nodeName + " failed", err);
                    }
                });
    }

    /** Runs agent.jar for {@code agent} in its allocation (the task is {@link CloudPlanner#agentTask}). */
    static void startAgent(StewardClient client, StewardAgent agent, String jvmOptions) throws IOException {
        SlaveComputer computer = (SlaveComputer) agent.toComputer();
        if (computer == null) {
            throw new IOException("node " + agent.getNodeName() + " has no computer");
        }
        TaskSpec task = CloudPlanner.agentTask(jvmOptions, BuildUrls.root(), agent.getNodeName(), computer.getJnlpMac(), agentJar(client));
        client.call("POST", "/v1/allocations/" + agent.getAllocationId() + "/tasks", task, TaskInfo.class, false);
    }

    private static String agentJarDigest;

    /** agent.jar of this controller as a Steward package: uploaded once, cached by every agent runtime. */
    static synchronized String agentJar(StewardClient client) throws IOException {
        if (agentJarDigest != null && client.packages().exists(agentJarDigest)) {
            return agentJarDigest;
        }
        Path dir = Files.createTempDirectory("steward-agent-jar");
        try {
            Files.write(dir.resolve("agent.jar"), new Slave.JnlpJar("agent.jar").readFully());
            Path out = Files.createTempFile("agent-jar", ".tar.zst");
            BuiltPackage p = PackageBuilder.from(dir).include("agent.jar").manifest(new PackageManifest(null, "jenkins-agent", Jenkins.VERSION, null,
                    null, null, null, null, null)).writeTo(out);
            client.packages().push(out, p.digest());
            Files.deleteIfExists(out);
            agentJarDigest = p.digest();
            return agentJarDigest;
        } finally {
            Files.deleteIfExists(dir.resolve("agent.jar"));
            Files.deleteIfExists(dir);
        }
    }

    @Extension
    @Symbol("steward")
    public static final class DescriptorImpl extends Descriptor<Cloud> {
        @Override
        public String getDisplayName() {
            return "Steward";
        }
    }
}
