package dev.steward.steps;

import dev.steward.api.AllocateRequest;

import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Cloud's decisions, pure: how many agents to ask for a label, what each asks the allocator
 * for (preemptible and low priority by default: borrowed capacity), when an idle agent goes,
 * and what the periodic sweep removes (allocations without a node, nodes without an allocation).
 */
public final class CloudPlanner {
    private CloudPlanner() {
    }

    /** A template: label, resources, JVM options, idle minutes, instance cap, priority and preemptibility. */
    public record Template(String label, String cpus, String memory, String jvmOptions, int idleMinutes, int instanceCap, int priority,
                           boolean preemptible) implements Serializable {
        public Template {
            if (label == null || label.isBlank()) {
                throw new dev.steward.api.ValidationException("label", "is required");
            }
            if (instanceCap < 1) {
                throw new dev.steward.api.ValidationException("instanceCap", "must be at least 1");
            }
            if (idleMinutes < 0) {
                throw new dev.steward.api.ValidationException("idleMinutes", "must be 0 or more");
            }
        }

        /** The allocation the agent {@code node} asks for, named after it so the sweep can match the two. */
        public AllocateRequest request(String role, String node) {
            return new AllocateRequest(role, node, 1, cpus, memory, null, null, null, null, null, null, null, priority, preemptible, null, "30m");
        }
    }

    /** How many new agents to ask for: enough for the excess workload, within the cap, counting those already coming. */
    public static int toProvision(Template t, int excessWorkload, int existing, int pending) {
        int want = excessWorkload - pending;
        int room = t.instanceCap() - existing - pending;
        return Math.max(0, Math.min(want, room));
    }

    /** Whether an agent idle since {@code idleSince} (null: busy) should be terminated and its allocation released. */
    public static boolean terminate(Template t, Instant idleSince, Instant now) {
        return idleSince != null && !now.isBefore(idleSince.plus(Duration.ofMinutes(t.idleMinutes())));
    }

    /** What a sweep removes: allocations of the cloud whose node is gone, and nodes whose allocation has ended. */
    public record Sweep(List<String> releaseAllocations, List<String> removeNodes) {
    }

    /**
     * @param liveAllocations the cloud's live allocations: id → node name it serves
     * @param nodes the cloud's nodes: name → allocation id it runs in
     * @param provisioning node names still starting (their allocations are not orphans yet)
     */
    public static Sweep sweep(Map<String, String> liveAllocations, Map<String, String> nodes, Set<String> provisioning) {
        List<String> release = new ArrayList<>();
        List<String> remove = new ArrayList<>();
        liveAllocations.forEach((alloc, node) -> {
            if (!nodes.containsKey(node) && !provisioning.contains(node)) {
                release.add(alloc);
            }
        });
        nodes.forEach((node, alloc) -> {
            if (!liveAllocations.containsKey(alloc)) {
                remove.add(node);
            }
        });
        return new Sweep(release, remove);
    }

    /** Every agent the Cloud starts is named {@code steward-cloud-LABEL-XXXXXXXX}, and so is its allocation. */
    static final String NODE_PREFIX = "steward-cloud-";
    private static final java.util.regex.Pattern NODE_NAME = java.util.regex.Pattern.compile("steward-cloud-[A-Za-z0-9._-]+-[0-9a-f]{8}");

    /** The name of a new agent for {@code label}; {@code random} supplies its 8 hex digits (a UUID's first 8 in the plugin). */
    public static String nodeName(String label, String random) {
        if (random == null || !random.matches("[0-9a-f]{8}")) {
            throw new IllegalArgumentException("random must be 8 lowercase hex digits, not " + random);
        }
        return NODE_PREFIX + label.replaceAll("[^A-Za-z0-9._-]", "-") + "-" + random;
    }

    /**
     * The live allocations the sweep may release, id → node name: those of {@code role} (every role
     * when null) named as the Cloud names its agents. An {@code allocate} step's allocation, or any
     * other named differently, is never the sweep's business.
     */
    public static Map<String, String> cloudAllocations(List<dev.steward.api.AllocationInfo> all, String role) {
        Map<String, String> out = new java.util.LinkedHashMap<>();
        for (dev.steward.api.AllocationInfo a : all) {
            if (!a.state().terminal() && a.name() != null && NODE_NAME.matcher(a.name()).matches() && (role == null || role.equals(a.role()))) {
                out.put(a.id(), a.name());
            }
        }
        return out;
    }

    /** The label of the one-shot executor an {@code allocate} step provides inside its allocation (the podTemplate pattern). */
    public static String oneShotLabel(String requestId) {
        return "steward-" + requestId;
    }

    /** The name of the secret file the agent task reads the node's secret from. */
    public static final String SECRET_NAME = "jenkins-agent-secret";

    /**
     * The task that makes an allocation a Jenkins agent: {@code agent.jar} from its package (cached by
     * the agent runtime), the node's secret a write-only task secret, which the agent runtime writes
     * to {@code $STEWARD_SECRETS/jenkins-agent-secret} (0600) and {@code agent.jar} reads with
     * {@code -secret @FILE}: never on a command line, never in the environment, and not readable
     * through the API by anyone but the agent runtime that runs the task.
     */
    public static dev.steward.api.TaskSpec agentTask(String jvmOptions, String controllerUrl, String nodeName, String secret, String agentJarDigest) {
        Template t = new Template("agent", null, null, jvmOptions, 0, 1, 0, true);
        String secretFile = "$STEWARD_SECRETS/" + SECRET_NAME; // the one argument the shell expands: double-quoted; the rest single-quoted
        StringBuilder exec = new StringBuilder();
        for (String a : agentCommand(t, controllerUrl, nodeName, secretFile, "agent.jar", "work")) {
            exec.append(' ').append(a.equals("@" + secretFile) ? '"' + a + '"' : "'" + a.replace("'", "'\\''") + "'");
        }
        String script = "mkdir -p work && exec" + exec;
        return new dev.steward.api.TaskSpec("jenkins-agent", "/bin/sh", List.of("-c", script), null, null, null, null, null, agentJarDigest,
                Map.of(SECRET_NAME, secret));
    }

    /**
     * The command an allocation runs to be a Jenkins agent: {@code java OPTS -jar agent.jar -url URL
     * -name NODE -secret @FILE -webSocket -workDir DIR}; the secret is read from a file, never on a
     * command line.
     */
    public static List<String> agentCommand(Template t, String controllerUrl, String nodeName, String secretFile, String agentJar, String workDir) {
        if (controllerUrl == null || controllerUrl.isBlank()) { // Jenkins.getRootUrl() is null until "Jenkins URL" is configured
            throw new IllegalArgumentException("the Jenkins URL is not configured, and agents started in allocations connect back to it: "
                    + "set it in Manage Jenkins > System > Jenkins Location > Jenkins URL");
        }
        List<String> cmd = new ArrayList<>(List.of("java"));
        if (t.jvmOptions() != null && !t.jvmOptions().isBlank()) {
            cmd.addAll(List.of(t.jvmOptions().trim().split("\\s+")));
        }
        cmd.addAll(List.of("-jar", agentJar, "-url", controllerUrl, "-name", nodeName, "-secret", "@" + secretFile, "-webSocket", "-workDir", workDir));
        return cmd;
    }
}
