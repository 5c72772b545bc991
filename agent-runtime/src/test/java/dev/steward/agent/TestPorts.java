package dev.steward.agent;

/**
 * The host ports the agents of a test lend to their tasks: blocks of 1,000 of their own for each
 * of the test JVMs surefire runs side by side (its fork number, {@code steward.test.fork}), so two
 * tests running at once never lend the same port. All below the machine's ephemeral range
 * (32768 and up), from which the tests' own servers take theirs.
 */
final class TestPorts {
    /** This JVM's surefire fork, 1 and up (1 when run otherwise, as from an IDE). */
    private static final int FORK = fork(System.getProperty("steward.test.fork"));

    private TestPorts() {
    }

    /** A fork number that is not one (as an empty one, from a pom that lost it) fails the tests rather than giving two forks the same ports. */
    private static int fork(String property) {
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

    /** The {@code n}th (0 or 1) block of this fork: 24000-24999 and 25000-25999 in the first, 26000-26999 and 27000-27999 in the second. */
    static String range(int n) {
        if (n < 0 || n > 1) {
            throw new IllegalArgumentException("a fork has blocks 0 and 1, not " + n);
        }
        int first = 24_000 + 2_000 * (FORK - 1) + 1_000 * n;
        return first + "-" + (first + 999);
    }
}
