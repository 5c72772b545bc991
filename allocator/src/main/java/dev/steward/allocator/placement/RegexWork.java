package dev.steward.allocator.placement;

/**
 * What one role's {@code regex} constraints may read in one scheduling cycle, over every agent
 * and every request of the role, on the state's owner thread. Each pattern also has its budget
 * per value ({@link Filters#REGEX_BASE}); this bounds their sum, so a role's patterns cost every
 * other tenant's command at most this much, however many agents and requests. Results already
 * known cost nothing; an agent not reached this cycle is reached in a later one (the request
 * waits aside, as any other that found no place, until room grows). Owner thread only.
 */
public final class RegexWork {
    /** Characters a role's patterns may read per cycle: about 10 ms here, at 10 ns a character (RegexConstraintBench). */
    public static final long PER_ROLE_PER_CYCLE = 1_000_000;
    private long left;
    private boolean cut;

    public RegexWork(long characters) {
        this.left = characters;
    }

    /** A fresh allowance of {@link #PER_ROLE_PER_CYCLE}. */
    public static RegexWork perCycle() {
        return new RegexWork(PER_ROLE_PER_CYCLE);
    }

    boolean spent() {
        if (left <= 0) {
            cut = true;
            return true;
        }
        return false;
    }

    /** Whether a pattern was left unrun this cycle: a failure found now is not the agents' last word, so it is not remembered. */
    public boolean cut() {
        return cut;
    }

    void charge(long characters) {
        left -= characters;
    }
}
