package dev.steward.jenkins;

import dev.steward.api.ArgForms;
import hudson.model.TaskListener;
import java.util.List;
import java.util.Set;
import org.jenkinsci.plugins.workflow.steps.StepDescriptor;

/**
 * What the Steward steps' descriptors share: each needs the build's log at least (a step that
 * needs more says so), and a list parameter is shown in its text area one entry per line
 * ({@code ${descriptor.text(instance.ports)}} in config.jelly). A text area binds back as a
 * one-entry list, which the step's setter splits into lines again.
 */
public abstract class StewardStepDescriptor extends StepDescriptor {
    @Override
    public Set<? extends Class<?>> getRequiredContext() {
        return Set.of(TaskListener.class);
    }

    /** The list as lines; empty for none. */
    public String text(List<String> entries) {
        return ArgForms.text(entries);
    }
}
