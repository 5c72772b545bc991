package dev.steward.steps;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Keeps secrets (the role token) out of build logs and step statuses: every occurrence in a line
 * or a status is replaced by {@code ****} before it reaches Jenkins, whatever produced the text (an
 * allocator's error message, an exception, a user's own value echoed back).
 */
public final class Masking {
    static final String MASK = "****";
    private static final int SHORTEST = 4; // a shorter value would mask ordinary words

    private Masking() {
    }

    /** {@code listener}, with each of {@code secrets} (nulls and values under 4 characters ignored) masked. */
    public static StepListener of(StepListener listener, String... secrets) {
        List<String> masked = new ArrayList<>();
        for (String s : secrets) {
            if (s != null && s.length() >= SHORTEST && !masked.contains(s)) {
                masked.add(s);
            }
        }
        if (masked.isEmpty()) {
            return listener;
        }
        masked.sort(Comparator.comparingInt(String::length).reversed()); // a secret that contains another is masked whole
        return new StepListener() {
            @Override
            public void line(String text) {
                listener.line(mask(text, masked));
            }

            @Override
            public void status(String text) {
                listener.status(mask(text, masked));
            }
        };
    }

    static String mask(String text, List<String> secrets) {
        if (text == null) {
            return null;
        }
        String out = text;
        for (String s : secrets) {
            out = out.replace(s, MASK);
        }
        return out;
    }
}
