package dev.steward.monitor;

import java.util.regex.Pattern;

/**
 * A tenant's regular expression (a monitor's {@code logPattern}, {@code errorStatus}) run on
 * text it also controls (its own log lines and metric labels), with a bound on the work. Java's
 * engine no longer explodes on {@code (a+)+$}, but it still does on others: {@code ((a+)+)+c}
 * on 22 characters took 458 ms here and doubles with each more, a back-reference or a counted
 * group ({@code (.*a){12}}) likewise; one such match would hold a thread that every tenant's
 * monitors share. So the characters the engine reads (it reads one again at every backtrack)
 * are counted against a {@link Budget}: a base of {@link #BASE} plus {@link #PER_CHAR} for
 * each character of the text it was given. Past it the match stops with {@link TooCostly},
 * naming the field. A linear pattern reads each character a few times; even {@code .*x.*y} on a
 * line of a thousand characters stays inside.
 */
public final class BoundedRegex {
    /** The reads any budget starts with: tens of milliseconds of one core, room for {@code .*a.*b} on a line of 2,000 characters. */
    public static final long BASE = 20_000_000;
    /** The reads each character of the text adds. */
    public static final long PER_CHAR = 40;

    private BoundedRegex() {
    }

    /** The reads left for one run of a pattern over some texts (one poll of one log, one label): shared by every match in it. */
    public static final class Budget {
        private final long perChar;
        private long left;
        private long given;

        /** {@link #BASE} to start with, {@link #PER_CHAR} more for each character given. */
        public Budget() {
            this(BASE, PER_CHAR);
        }

        /** {@code base} reads to start with, {@code perChar} more for each character given. */
        public Budget(long base, long perChar) {
            this.perChar = perChar;
            this.left = base;
            this.given = base;
        }

        /** The characters read so far. */
        public long spent() {
            return given - left;
        }

        /** Adds what a text of {@code chars} characters may cost. */
        void add(int chars) {
            left += perChar * chars;
            given += perChar * chars;
        }
    }

    /** A pattern that needed more reads than its budget gave: the field it came from, and why. */
    public static final class TooCostly extends RuntimeException {
        private final String field;

        TooCostly(String field, Pattern p, long given) {
            super(field + " '" + p.pattern() + "' needed more than " + given + " steps on the text it was given: a repeated group "
                    + "inside another (such as ((a+)+)+), a back-reference or a counted group of wildcards (such as (.*a){12}) backtracks "
                    + "without end; write it so that no part of the text can be matched in more than one way");
            this.field = field;
        }

        public String field() {
            return field;
        }
    }

    /** Whether {@code p} is found in {@code text}, spending from {@code budget}; {@link TooCostly} once it is spent. */
    public static boolean find(Pattern p, CharSequence text, String field, Budget budget) {
        budget.add(text.length());
        return p.matcher(new Counted(text, budget, field, p)).find();
    }

    /** Whether {@code p} matches the whole of {@code text}, spending from {@code budget}; {@link TooCostly} once it is spent. */
    public static boolean matches(Pattern p, CharSequence text, String field, Budget budget) {
        budget.add(text.length());
        return p.matcher(new Counted(text, budget, field, p)).matches();
    }

    /** The text, counting every character the engine reads against the budget (shared with its sub-sequences). */
    private record Counted(CharSequence text, Budget budget, String field, Pattern p) implements CharSequence {
        @Override
        public char charAt(int index) {
            if (--budget.left < 0) {
                throw new TooCostly(field, p, budget.given);
            }
            return text.charAt(index);
        }

        @Override
        public int length() {
            return text.length();
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return new Counted(text.subSequence(start, end), budget, field, p);
        }

        @Override
        public String toString() {
            return text.toString();
        }
    }
}
