package dev.steward.jenkins;

import jenkins.model.CauseOfInterruption;
import org.jenkinsci.plugins.workflow.support.steps.AgentErrorCondition;

/**
 * Why a build's {@code node} block was cut short: the Steward allocation its executor ran in has
 * ended (preempted, lost, expired). Retryable, so {@code retry(count: 2, conditions: [agent(),
 * nonresumable()])} runs the block again on another agent; printed in the build's log.
 */
public final class PreemptedCause extends CauseOfInterruption implements AgentErrorCondition.Retryable {
    private static final long serialVersionUID = 1L;
    private final String why;

    PreemptedCause(String why) {
        this.why = why;
    }

    @Override
    public String getShortDescription() {
        return why;
    }
}
