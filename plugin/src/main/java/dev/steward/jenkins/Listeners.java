package dev.steward.jenkins;

import dev.steward.steps.Masking;
import dev.steward.steps.StepListener;
import hudson.model.TaskListener;
import java.util.function.Consumer;

/**
 * A step's lines into the build log, and its status to the step (which shows it through
 * getStatus); the configured token is masked in both ({@link Masking}).
 */
final class Listeners {
    private Listeners() {
    }

    static StepListener of(TaskListener listener) {
        return of(listener, token());
    }

    /** With the token given: for code on a build agent, where the controller's configuration cannot be read. */
    static StepListener of(TaskListener listener, String token) {
        return Masking.of(text -> listener.getLogger().println(text), token);
    }

    static StepListener of(TaskListener listener, Consumer<String> status) {
        return Masking.of(new StepListener() {
            @Override
            public void line(String text) {
                listener.getLogger().println(text);
            }

            @Override
            public void status(String text) {
                status.accept(text);
            }
        }, token());
    }

    /** The token to mask, or null when none is configured yet (then there is nothing to leak). */
    private static String token() {
        try {
            return StewardConfiguration.get().token();
        } catch (java.io.IOException e) {
            return null;
        }
    }
}
