package dev.steward.cli;

import dev.steward.api.InstanceInfo;
import dev.steward.api.ServiceInfo;
import dev.steward.api.TaskInfo;
import dev.steward.client.StewardClient;
import dev.steward.client.StewardException;
import dev.steward.steps.Instances;
import picocli.CommandLine;

import java.util.List;

/**
 * The task a command names ({@code steward logs}, {@code steward exec}): an allocation id (its
 * last task, or the one {@code --task} names), an instance id, or an app with {@code --env} (and
 * {@code --instance N}, the number {@code steward services APP --env ENV} shows). A name that
 * finds none is a usage error that says what to give instead.
 */
final class TaskTarget {
    private final CommandLine.Model.CommandSpec spec;

    TaskTarget(CommandLine.Model.CommandSpec spec) {
        this.spec = spec;
    }

    /** The task's id. */
    String taskId(StewardClient c, String target, String env, String instance, String task) throws Exception {
        if (env != null) {
            if (task != null) {
                throw usage("--task goes with an allocation id; an instance runs one task");
            }
            return ofService(c, target, env, instance);
        }
        if (instance != null) {
            throw usage("--instance goes with an app and --env");
        }
        List<TaskInfo> tasks;
        try {
            tasks = c.tasksOf(target);
        } catch (StewardException e) {
            if (e.status() != 404) {
                throw e;
            }
            for (ServiceInfo s : c.deployments().services()) {
                String[] ae = s.name().split("/", 2);
                for (InstanceInfo i : c.deployments().instances(ae[0], ae[1])) {
                    if (i.id().equals(target)) {
                        return taskOf(i);
                    }
                }
            }
            throw usage("'" + target + "' is neither an allocation nor an instance id; for a service's instance give APP --env ENV [--instance N]");
        }
        TaskInfo t = tasks.stream().filter(x -> task == null || x.spec().name().equals(task)).reduce((a, b) -> b).orElse(null);
        if (t == null) {
            throw usage(tasks.isEmpty() ? "allocation " + target + " runs no task"
                    : "no task named '" + task + "'; the allocation runs " + tasks.stream().map(x -> x.spec().name()).toList());
        }
        return t.id();
    }

    private String ofService(StewardClient c, String app, String env, String instance) throws Exception {
        try {
            return taskOf(Instances.pick(c.deployments().instances(app, env), instance, "--instance", app, env, true));
        } catch (IllegalArgumentException e) {
            throw usage(e.getMessage());
        }
    }

    private String taskOf(InstanceInfo i) {
        if (i.taskId() == null) {
            throw usage("instance " + i.id() + " has no task yet (" + i.state().name().toLowerCase() + (i.reason() == null ? "" : ": " + i.reason()) + ")");
        }
        return i.taskId();
    }

    CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
