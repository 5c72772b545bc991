package dev.steward.monitor;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Measures a gate over recorded snapshots, pure: counters become increases over the window
 * (a value that drops is a counter reset: the new value counts from zero), histograms become
 * quantiles by Prometheus' {@code histogram_quantile} (linear within the bucket), restarts are
 * counted since the first snapshot, healthy and memory are read now. Too little data is
 * {@link Measurement#noData()}, never a pass.
 */
public final class Evaluator {
    private final MetricNames names;

    /** What matching the tenant's errorStatus against its own labels may cost in this evaluation ({@link BoundedRegex}). */
    private final BoundedRegex.Budget errorStatusBudget = new BoundedRegex.Budget();

    public Evaluator(MetricNames names) {
        this.names = names;
    }

    /** Which metrics carry requests and latency, and what an error looks like. */
    public record MetricNames(String requests, String statusLabel, Pattern errorStatus, String latency, int expectedInstances) {
        public static MetricNames defaults(int expected) {
            return new MetricNames("http_requests_total", "status", Pattern.compile("5.."), "http_request_duration_seconds", expected);
        }
    }

    public Measurement measure(Gate g, List<Snapshot> history, Instant now, Duration window) {
        List<Snapshot> in = new ArrayList<>();
        for (Snapshot s : history) {
            if (!s.at().isAfter(now) && !s.at().isBefore(now.minus(window))) {
                in.add(s);
            }
        }
        Measurement m = switch (g.kind()) {
            case ERROR_RATE -> errorRate(in);
            case LATENCY -> latency(in, g.quantile());
            case RESTARTS -> restarts(history, now);
            case HEALTHY -> healthy(history, now);
            case MEMORY -> memory(history, now);
            case CPU -> cpu(in);
            case LOG_ERRORS -> logErrors(in, window);
        };
        if (m.noData()) {
            return m;
        }
        return new Measurement(m.value(), g.op().holds(m.value(), g.bound()), m.detail());
    }

    /** Increase per series (name + labels, per instance) of counters whose name is {@code metric}, over the snapshots. */
    static Map<String, Double> increases(List<Snapshot> in, String metric, Map<String, Map<String, String>> labelsOut) {
        Map<String, Double> last = new HashMap<>();
        Map<String, Double> inc = new TreeMap<>();
        for (Snapshot s : in) {
            s.instances().forEach((inst, i) -> {
                if (i.metrics() == null) {
                    return;
                }
                for (Sample x : i.metrics()) {
                    if (!x.name().equals(metric) || Double.isNaN(x.value())) {
                        continue;
                    }
                    String key = inst + "|" + x.labels();
                    labelsOut.putIfAbsent(key, x.labels());
                    Double prev = last.put(key, x.value());
                    if (prev == null) {
                        inc.putIfAbsent(key, 0.0);
                    } else {
                        inc.merge(key, x.value() >= prev ? x.value() - prev : x.value(), Double::sum); // a drop is a reset
                    }
                }
            });
        }
        return inc;
    }

    private Measurement errorRate(List<Snapshot> in) {
        Map<String, Map<String, String>> labels = new HashMap<>();
        Map<String, Double> inc = increases(in, names.requests(), labels);
        double total = 0;
        double errors = 0;
        for (Map.Entry<String, Double> e : inc.entrySet()) {
            total += e.getValue();
            String status = labels.get(e.getKey()).get(names.statusLabel());
            if (status != null && BoundedRegex.matches(names.errorStatus(), status, "errorStatus", errorStatusBudget)) {
                errors += e.getValue();
            }
        }
        if (inc.isEmpty()) {
            return Measurement.none("no " + names.requests() + " samples in the window");
        }
        if (total == 0) {
            return Measurement.none("no requests in the window");
        }
        return new Measurement(errors / total, false, String.format(java.util.Locale.ROOT, "%.0f errors in %.0f requests", errors, total));
    }

    private Measurement latency(List<Snapshot> in, double q) {
        Map<String, Map<String, String>> labels = new HashMap<>();
        Map<String, Double> inc = increases(in, names.latency() + "_bucket", labels);
        TreeMap<Double, Double> buckets = new TreeMap<>();
        for (Map.Entry<String, Double> e : inc.entrySet()) {
            String le = labels.get(e.getKey()).get("le");
            if (le != null) {
                buckets.merge(PromText.value(le, 0), e.getValue(), Double::sum);
            }
        }
        if (buckets.isEmpty()) {
            return Measurement.none("no " + names.latency() + " histogram in the window");
        }
        double count = buckets.lastEntry().getValue();
        if (count == 0) {
            return Measurement.none("no requests in the window");
        }
        return new Measurement(quantile(q, buckets), false, String.format(java.util.Locale.ROOT, "from %.0f observations", count));
    }

    /** Prometheus' histogram_quantile over cumulative buckets (upper bound → count). */
    static double quantile(double q, TreeMap<Double, Double> buckets) {
        double total = buckets.lastEntry().getValue();
        double rank = q * total;
        double prevBound = 0;
        double prevCount = 0;
        for (Map.Entry<Double, Double> b : buckets.entrySet()) {
            if (b.getValue() >= rank) {
                if (b.getKey().isInfinite()) {
                    return prevBound; // the highest finite bound, as Prometheus answers
                }
                double inBucket = b.getValue() - prevCount;
                return inBucket <= 0 ? b.getKey() : prevBound + (b.getKey() - prevBound) * (rank - prevCount) / inBucket;
            }
            prevBound = b.getKey().isInfinite() ? prevBound : b.getKey();
            prevCount = b.getValue();
        }
        return prevBound;
    }

    private Measurement restarts(List<Snapshot> history, Instant now) {
        Map<String, Integer> first = new HashMap<>();
        Map<String, Integer> latest = new HashMap<>();
        for (Snapshot s : history) {
            if (s.at().isAfter(now)) {
                break;
            }
            s.instances().forEach((inst, i) -> {
                first.putIfAbsent(inst, i.restarts());
                latest.put(inst, i.restarts());
            });
        }
        if (latest.isEmpty()) {
            return Measurement.none("no instances seen");
        }
        int n = 0;
        for (Map.Entry<String, Integer> e : latest.entrySet()) {
            n += Math.max(0, e.getValue() - first.get(e.getKey()));
        }
        return new Measurement((double) n, false, n + " restarts since the monitor began");
    }

    private static Snapshot latest(List<Snapshot> history, Instant now) {
        Snapshot last = null;
        for (Snapshot s : history) {
            if (!s.at().isAfter(now)) {
                last = s;
            }
        }
        return last;
    }

    private Measurement healthy(List<Snapshot> history, Instant now) {
        Snapshot s = latest(history, now);
        if (s == null) {
            return Measurement.none("nothing observed yet");
        }
        long healthy = s.instances().values().stream().filter(i -> Boolean.TRUE.equals(i.healthy())).count();
        // of those wanted: a rolling update's surge neither lowers the share nor lifts it above 100%
        int wanted = names.expectedInstances() > 0 ? names.expectedInstances() : s.instances().size();
        if (wanted == 0) {
            return Measurement.none("the service has no instances");
        }
        long counted = Math.min(healthy, wanted);
        String surge = s.instances().size() > wanted ? " (" + s.instances().size() + " running, surge included)" : "";
        return new Measurement((double) counted / wanted, false, counted + " of " + dev.steward.api.Units.count(wanted, "wanted instance") + " healthy" + surge);
    }

    private Measurement memory(List<Snapshot> history, Instant now) {
        Snapshot s = latest(history, now);
        Long max = null;
        String at = null;
        if (s != null) {
            for (Map.Entry<String, Snapshot.Instance> e : s.instances().entrySet()) {
                Long m = e.getValue().memoryMib();
                if (m != null && (max == null || m > max)) {
                    max = m;
                    at = e.getKey();
                }
            }
        }
        if (max == null) {
            return Measurement.none("no memory figures from the agents");
        }
        return new Measurement((double) max, false, "highest: instance " + at);
    }

    /** The busiest instance's CPU use over the window, in cpus (CPU milliseconds per millisecond). */
    private Measurement cpu(List<Snapshot> in) {
        Map<String, long[]> first = new HashMap<>();
        Map<String, long[]> last = new HashMap<>();
        for (Snapshot s : in) {
            s.instances().forEach((inst, i) -> {
                if (i.cpuMillis() >= 0) {
                    long[] v = {i.cpuMillis(), s.at().toEpochMilli()};
                    first.putIfAbsent(inst, v);
                    last.put(inst, v);
                }
            });
        }
        Double max = null;
        String at = null;
        for (Map.Entry<String, long[]> e : last.entrySet()) {
            long[] a = first.get(e.getKey());
            long[] b = e.getValue();
            if (b[1] > a[1] && b[0] >= a[0]) {
                double cpus = (double) (b[0] - a[0]) / (b[1] - a[1]);
                if (max == null || cpus > max) {
                    max = cpus;
                    at = e.getKey();
                }
            }
        }
        if (max == null) {
            return Measurement.none("no CPU figures from the agents over the window");
        }
        return new Measurement(max, false, "busiest: instance " + at);
    }

    private Measurement logErrors(List<Snapshot> in, Duration window) {
        if (in.size() < 2) {
            return Measurement.none("fewer than two observations in the window");
        }
        boolean unknown = in.stream().anyMatch(s -> s.instances().values().stream().anyMatch(i -> i.logMatches() < 0));
        if (unknown) {
            return Measurement.none("log lines were not collected");
        }
        Map<String, Long> firstSeen = new HashMap<>();
        Map<String, Long> lastSeen = new HashMap<>();
        for (Snapshot s : in) {
            s.instances().forEach((inst, i) -> {
                firstSeen.putIfAbsent(inst, i.logMatches());
                lastSeen.put(inst, i.logMatches());
            });
        }
        long n = 0;
        for (Map.Entry<String, Long> e : lastSeen.entrySet()) {
            n += Math.max(0, e.getValue() - firstSeen.get(e.getKey()));
        }
        double minutes = Duration.between(in.get(0).at(), in.get(in.size() - 1).at()).toMillis() / 60_000.0;
        if (minutes <= 0) {
            return Measurement.none("no time between observations");
        }
        return new Measurement(n / minutes, false, n + " matching lines in " + String.format(java.util.Locale.ROOT, "%.1f", minutes) + " min");
    }
}
