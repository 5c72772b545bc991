package dev.steward.steps;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** A {@link StepListener} that keeps what a step says: each line, and each status as "[status] TEXT". */
final class Recorder implements StepListener {
    final List<String> lines = Collections.synchronizedList(new ArrayList<>());

    @Override
    public void line(String text) {
        lines.add(text);
    }

    @Override
    public void status(String text) {
        lines.add("[status] " + text);
    }
}
