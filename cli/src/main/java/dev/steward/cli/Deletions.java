package dev.steward.cli;

import dev.steward.api.ValidationException;
import dev.steward.client.StewardException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A command that ends several things at once ({@code steward packages delete}, {@code steward
 * secrets delete}, {@code steward requests cancel}, {@code steward allocations release}): each is
 * ended in turn, a failure is said and the rest go on, and with {@code --missing-ok} one that is
 * not there (a 404) is nothing to do, for cleanups that may run twice. The exit code is 1 if any
 * failed; {@code -o json} prints one record each.
 */
final class Deletions {
    private Deletions() {
    }

    /** What became of one: its JSON record (a map, or the API's record of it) and the line said of it. */
    record Done(Object record, String line) {
    }

    @FunctionalInterface
    interface One {
        Done delete(String item) throws IOException;
    }

    /** {@code missing}: what a 404 is with {@code missingOk} (not asked for without it). */
    static int each(String command, List<String> items, boolean missingOk, boolean json, One one, Function<String, Done> missing) throws IOException {
        List<Object> done = new ArrayList<>();
        int failed = 0;
        for (String item : items) {
            Done d;
            try {
                d = one.delete(item);
            } catch (StewardException e) {
                if (e.status() != 404 || !missingOk) {
                    failed++;
                    System.err.printf("%s: %s: %s%n", command, item, Main.explain(e));
                    continue;
                }
                d = missing.apply(item);
            } catch (IOException | ValidationException e) {
                failed++;
                System.err.printf("%s: %s: %s%n", command, item, e instanceof IOException io ? Main.explain(io) : e.getMessage());
                continue;
            }
            done.add(d.record());
            if (!json) {
                System.out.println(d.line());
            }
        }
        if (json) {
            Output.json(done);
        }
        return failed == 0 ? 0 : 1;
    }
}
