package dev.steward.allocator.http;

/** Told of every request once its answer is out (or failed): the request log and the HTTP metrics. */
@FunctionalInterface
public interface RequestObserver {
    RequestObserver NONE = (trace, method, cls, status, nanos) -> {
    };

    /** On the thread that completed the answer: record, never block. */
    void done(RequestTrace trace, String method, TrafficClass cls, int status, long nanos);

    /** Both, in order. */
    default RequestObserver and(RequestObserver next) {
        return (trace, method, cls, status, nanos) -> {
            done(trace, method, cls, status, nanos);
            next.done(trace, method, cls, status, nanos);
        };
    }
}
