package dev.steward.steps;

/** Where a step's behaviour speaks: lines for the build log, and the short status Jenkins shows for a running step. */
public interface StepListener {
    void line(String text);

    default void status(String text) {
    }

    StepListener SILENT = text -> { };
}
