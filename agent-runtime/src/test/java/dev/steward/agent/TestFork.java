package dev.steward.agent;

/**
 * What the agents of a test take from the machine that another test JVM, run side by side by
 * surefire ({@code forkCount}, its fork's number in {@code steward.test.fork}), must not take at
 * the same time: the host ports they lend to tasks and the uids they give them. Each fork has
 * blocks of its own, so tests that count on what one agent is given next (the lowest free uid,
 * the first port) see what they would alone.
 */
final class TestFork {
    /** This JVM's surefire fork, 1 to 4 (1 when run otherwise, as from an IDE). */
    static final int NUMBER = number(System.getProperty("steward.test.fork"));

    private TestFork() {
    }

    /** A fork number that is not one (as an empty one, from a pom that lost it) fails the tests rather than giving two forks the same blocks. */
    private static int number(String property) {
        if (property == null) {
            return 1;
        }
        try {
            int n = Integer.parseInt(property.trim());
            if (n >= 1 && n <= 4) {
                return n;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        throw new IllegalStateException("steward.test.fork is '" + property + "', not a surefire fork number 1..4 (see agent-runtime/pom.xml)");
    }

    /**
     * The {@code n}th (0 or 1) block of 1,000 ports of this fork: 24000-24999 and 25000-25999 in the
     * first, 26000-26999 and 27000-27999 in the second. All below the machine's ephemeral range
     * (32768 and up), from which the tests' own servers take theirs. The agents of the other
     * modules' tests lend none of these, so a suite run beside this one (a hunt for flaky tests)
     * takes no port from it: the CLI's 22000-23999 and 28000-30999, the steps' 31000-31999.
     */
    static String ports(int n) {
        if (n < 0 || n > 1) {
            throw new IllegalArgumentException("a fork has port blocks 0 and 1, not " + n);
        }
        int first = 24_000 + 2_000 * (NUMBER - 1) + 1_000 * n;
        return first + "-" + (first + 999);
    }

    /**
     * This fork's 200 task uids, within the agent's default range (61000-61999): 61000-61199 in the
     * first, 61200-61399 in the second. Leases are machine-wide, so without blocks an agent of the
     * other fork could take the uid a test expects to be handed on. 61800-61999 stay for the tests
     * that name their own (TaskUsersTest, TaskKeyringsTest).
     */
    static String taskUids() {
        int first = 61_000 + 200 * (NUMBER - 1);
        return first + "-" + (first + 199);
    }
}
