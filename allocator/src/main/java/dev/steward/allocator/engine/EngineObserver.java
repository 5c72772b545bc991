package dev.steward.allocator.engine;

/** What the metrics learn from the engine as it works: each scheduling cycle's time, each durable write's time and outcome. */
public interface EngineObserver {
    EngineObserver NONE = new EngineObserver() {
        @Override
        public void cycle(long nanos, int placed) {
        }

        @Override
        public void write(long nanos, boolean ok) {
        }
    };

    /** On the owner thread: keep it to recording a number. */
    void cycle(long nanos, int placed);

    /** On the owner thread: keep it to recording a number. */
    void write(long nanos, boolean ok);

    /** On the owner thread: a follow-up cycle is about to run, a role's regex constraints having been cut short ({@link FollowUp}). */
    default void followUp() {
    }
}
