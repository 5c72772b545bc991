package dev.steward.jenkins;

import dev.steward.steps.StepListener;
import hudson.model.TaskListener;
import java.util.function.Consumer;

/** A step's lines into the build log, and its status to the step (which shows it through getStatus). */
final class Listeners {
    private Listeners() {
    }

    static StepListener of(TaskListener listener) {
        return text -> listener.getLogger().println(text);
    }

    static StepListener of(TaskListener listener, Consumer<String> status) {
        return new StepListener() {
            @Override
            public void line(String text) {
                listener.getLogger().println(text);
            }

            @Override
            public void status(String text) {
                status.accept(text);
            }
        };
    }
}
