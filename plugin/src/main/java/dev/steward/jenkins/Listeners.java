package dev.steward.jenkins;

import dev.steward.steps.StepListener;
import hudson.model.TaskListener;

/** A step's lines into the build log. */
final class Listeners {
    private Listeners() {
    }

    static StepListener of(TaskListener listener) {
        return text -> listener.getLogger().println(text);
    }
}
