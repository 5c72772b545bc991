package dev.steward.jenkins;

import dev.steward.api.ArgForms;
import java.util.List;
import org.jenkinsci.plugins.workflow.steps.StepDescriptor;

/**
 * What the Steward steps' forms share: a list parameter is shown in its text area one entry per
 * line ({@code ${descriptor.text(instance.ports)}} in config.jelly). A text area binds back as a
 * one-entry list, which the step's setter splits into lines again.
 */
public abstract class StewardStepDescriptor extends StepDescriptor {
    /** The list as lines; empty for none. */
    public String text(List<String> entries) {
        return ArgForms.text(entries);
    }
}
