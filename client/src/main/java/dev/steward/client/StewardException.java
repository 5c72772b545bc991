package dev.steward.client;

import dev.steward.api.Problem;

import java.io.IOException;

/** The allocator answered with an error: its status and problem (detail, field). */
public final class StewardException extends IOException {
    private final int status;
    private final transient Problem problem;

    public StewardException(int status, Problem problem, String fallback) {
        super(problem != null && problem.detail() != null ? problem.detail() + " (" + status + ")" : fallback);
        this.status = status;
        this.problem = problem;
    }

    public int status() {
        return status;
    }

    public Problem problem() {
        return problem;
    }
}
