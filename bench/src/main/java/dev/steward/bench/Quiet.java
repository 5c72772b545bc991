package dev.steward.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;

/**
 * Waits for the JIT to go quiet after a warm-up. On two cores a compiler thread still busy with
 * the warm-up's code (Fenzo's, say) takes a core from the run being timed, and the first
 * figure after a warm-up read several times slower than the same run a minute later.
 */
final class Quiet {
    private Quiet() {
    }

    /** Returns once the JIT's total compilation time stood still for half a second (at most 60 s). */
    static void jit() throws InterruptedException {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        if (jit == null || !jit.isCompilationTimeMonitoringSupported()) {
            return;
        }
        long deadline = System.nanoTime() + 60_000_000_000L;
        long last = -1;
        int still = 0;
        while (still < 5 && System.nanoTime() < deadline) {
            long now = jit.getTotalCompilationTime();
            still = now == last ? still + 1 : 0;
            last = now;
            Thread.sleep(100);
        }
    }
}
