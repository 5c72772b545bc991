package dev.steward.client;

import dev.steward.api.DeploymentInfo;
import dev.steward.api.InstanceInfo;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a rollout's failed instance last wrote, shown under the failure, as a CI system shows a
 * failed step's last lines: the instance named by the deployment's reason, the last
 * {@link #LINES} lines of its stderr (of its stdout when stderr is empty), and where to read
 * the rest. A pipeline's log then says why the program exited without another command. Shared by
 * {@code steward deploy} and the {@code deploy} step.
 */
public final class FailureOutput {
    public static final int LINES = 10;
    private static final Pattern FAILED_INSTANCE = Pattern.compile("^instance ([0-9a-f]{16}) of revision \\d+ failed");

    private FailureOutput() {
    }

    /** The id of the instance whose failure ended the deployment, from its reason; null when it names none. */
    public static String failedInstance(String reason) {
        Matcher m = reason == null ? null : FAILED_INSTANCE.matcher(reason);
        return m != null && m.find() ? m.group(1) : null;
    }

    /** The lines to print under {@code d}'s failure; none when its reason names no failed instance. Reads its logs through {@code c}. */
    public static List<String> of(StewardClient c, DeploymentInfo d) {
        String id = failedInstance(d.reason());
        if (id == null) {
            return List.of();
        }
        String more = "all of it: steward logs " + id + " (and --stderr)";
        try {
            String[] ae = d.service().split("/", 2);
            String task = c.deployments().instances(ae[0], ae[1]).stream().filter(i -> i.id().equals(id)).map(InstanceInfo::taskId)
                    .filter(t -> t != null).findFirst().orElse(null);
            if (task == null) {
                return List.of(more);
            }
            for (String stream : new String[] {"stderr", "stdout"}) {
                byte[] b = c.tail(task, stream, LINES).bytes();
                if (b.length > 0) {
                    return shown(stream, new String(b, StandardCharsets.UTF_8), more);
                }
            }
            return List.of("it wrote nothing", more);
        } catch (java.io.IOException | RuntimeException e) { // its agent gone, say: the failure itself is what matters
            return List.of("its output cannot be read now (" + e.getMessage() + "); " + more);
        }
    }

    /** The lines of {@code text} under a heading, each indented by "  | ". */
    public static List<String> shown(String stream, String text, String more) {
        List<String> out = new ArrayList<>();
        out.add("its last " + stream + ":");
        for (String l : text.split("\n", -1)) {
            out.add("  | " + l);
        }
        if (text.endsWith("\n")) {
            out.remove(out.size() - 1);
        }
        out.add(more);
        return out;
    }
}
