package dev.steward.monitor;

import dev.steward.api.GateReport;
import dev.steward.api.Verdict;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns evaluations into a verdict. Each interval every gate is measured; a gate fails the
 * monitor once more of its evaluations failed than the failure limit tolerates (at once, without
 * waiting for the end). At the end, a gate that never had data makes the verdict inconclusive;
 * otherwise it passes. Pure: the caller gives the snapshots and the time.
 */
public final class Judge {
    private final List<Gate> gates;
    private final int failureLimit;
    /**
     * The points each report carries: the latest {@link #MAX_POINTS} evaluations of each gate. The
     * counts (evaluations, failures, no data) cover every evaluation since the start, so a monitor
     * of any length costs the same per tick and per write.
     */
    public static final int MAX_POINTS = 360;
    private final List<java.util.ArrayDeque<GateReport.Point>> points = new ArrayList<>();
    private final int[] evaluations;
    private final int[] failures;
    private final int[] noData;
    private final List<Measurement> last = new ArrayList<>();

    public Judge(List<Gate> gates, int failureLimit) {
        this(gates, failureLimit, List.of());
    }

    /**
     * A judge that goes on from {@code earlier} reports of the same gates (a monitor resumed after
     * the allocator restarted): their points count as if this judge had made them. A report whose
     * gate text differs from the gate at its position is ignored.
     */
    public Judge(List<Gate> gates, int failureLimit, List<GateReport> earlier) {
        this.gates = List.copyOf(gates);
        this.failureLimit = failureLimit;
        this.evaluations = new int[gates.size()];
        this.failures = new int[gates.size()];
        this.noData = new int[gates.size()];
        for (int i = 0; i < gates.size(); i++) {
            java.util.ArrayDeque<GateReport.Point> ps = new java.util.ArrayDeque<>();
            Measurement m = null;
            GateReport r = earlier != null && i < earlier.size() ? earlier.get(i) : null;
            if (r != null && gates.get(i).text().equals(r.gate()) && r.points() != null && !r.points().isEmpty()) {
                List<GateReport.Point> kept = r.points().subList(Math.max(0, r.points().size() - MAX_POINTS), r.points().size());
                ps.addAll(kept);
                GateReport.Point p = r.points().get(r.points().size() - 1);
                m = new Measurement(p.value(), p.passed(), null);
                // the counts cover evaluations whose points were already dropped; a report from before counts were kept has only its points
                evaluations[i] = Math.max(r.evaluations(), r.points().size());
                failures[i] = Math.max(r.failures(), (int) r.points().stream().filter(x -> x.value() != null && !x.passed()).count());
                noData[i] = Math.max(r.noData(), (int) r.points().stream().filter(x -> x.value() == null).count());
            }
            points.add(ps);
            last.add(m);
        }
    }

    public void evaluate(Evaluator e, List<Snapshot> history, Instant now, Duration window) {
        for (int i = 0; i < gates.size(); i++) {
            Measurement m = e.measure(gates.get(i), history, now, window);
            GateReport.Point p = new GateReport.Point(now, m.value(), !m.noData() && m.passed());
            java.util.ArrayDeque<GateReport.Point> ps = points.get(i);
            ps.addLast(p);
            if (ps.size() > MAX_POINTS) {
                ps.removeFirst();
            }
            evaluations[i]++;
            if (p.value() == null) {
                noData[i]++;
            } else if (!p.passed()) {
                failures[i]++;
            }
            last.set(i, m);
        }
    }

    private int failures(int i) {
        return failures[i];
    }

    private int noData(int i) {
        return noData[i];
    }

    /** Each gate's latest point (null for a gate not evaluated yet): what the last {@link #evaluate} added. */
    public List<GateReport.Point> latest() {
        List<GateReport.Point> out = new ArrayList<>();
        for (java.util.ArrayDeque<GateReport.Point> ps : points) {
            out.add(ps.peekLast());
        }
        return out;
    }

    /** The verdict now: FAIL as soon as a gate is past its failure limit; otherwise null until {@code finished}. */
    public Verdict verdict(boolean finished) {
        boolean inconclusive = false;
        for (int i = 0; i < gates.size(); i++) {
            if (failures(i) > failureLimit) {
                return Verdict.FAIL;
            }
            inconclusive |= evaluations[i] == 0 || noData(i) == evaluations[i];
        }
        if (!finished) {
            return null;
        }
        return inconclusive ? Verdict.INCONCLUSIVE : Verdict.PASS;
    }

    /**
     * Each gate's report. Once the monitor has ended (its time is up, or a gate failed it early),
     * every gate has a verdict: one that held in every evaluation with data passes, one that never
     * had data is inconclusive; none is left "running".
     */
    public List<GateReport> reports(boolean finished) {
        boolean ended = finished || verdict(finished) != null;
        List<GateReport> out = new ArrayList<>();
        for (int i = 0; i < gates.size(); i++) {
            Gate g = gates.get(i);
            Measurement m = last.get(i);
            int f = failures(i);
            int n = evaluations[i];
            int nd = noData(i);
            Verdict v = f > failureLimit ? Verdict.FAIL : !ended ? null : (n == 0 || nd == n) ? Verdict.INCONCLUSIVE : Verdict.PASS;
            String lastText = m == null || m.noData() ? null : Gate.format(g.kind(), m.value());
            String reason = v == Verdict.FAIL ? g.text() + " failed " + f + " of " + n + " evaluations (" + failureLimit + " tolerated); last "
                    + lastText + (m != null && m.detail() != null ? " (" + m.detail() + ")" : "")
                    : v == Verdict.INCONCLUSIVE ? g.text() + ": no data in " + n + " evaluations" + (m != null && m.detail() != null ? " (" + m.detail() + ")" : "")
                    : m == null ? "not evaluated yet"
                    : m.noData() ? "no data: " + m.detail() : "last " + lastText + " " + (m.passed() ? "holds " : "fails ") + g.symbol() + " " + g.boundText()
                    + (m.detail() == null ? "" : " (" + m.detail() + ")");
            out.add(new GateReport(g.text(), v, f, n, nd, m == null ? null : m.value(), lastText, g.symbol() + " " + g.boundText(), reason,
                    List.copyOf(points.get(i))));
        }
        return out;
    }

    /** The gates of a monitor stopped before its end: those without a verdict become inconclusive, saying why. */
    public static List<GateReport> stopped(List<GateReport> gates, String why) {
        List<GateReport> out = new ArrayList<>();
        for (GateReport g : gates == null ? List.<GateReport>of() : gates) {
            out.add(g.verdict() != null ? g : new GateReport(g.gate(), Verdict.INCONCLUSIVE, g.failures(), g.evaluations(), g.noData(), g.lastValue(),
                    g.lastText(), g.bound(), why + " after " + g.evaluations() + " evaluations" + (g.reason() == null ? "" : "; " + g.reason()), g.points()));
        }
        return out;
    }

    /** Why the verdict is what it is, in one sentence. */
    public String reason(boolean finished) {
        Verdict v = verdict(finished);
        List<GateReport> rs = reports(finished);
        if (v == Verdict.FAIL) {
            return String.join("; ", rs.stream().filter(r -> r.verdict() == Verdict.FAIL).map(GateReport::reason).toList());
        }
        if (v == Verdict.INCONCLUSIVE) {
            return String.join("; ", rs.stream().filter(r -> r.verdict() == Verdict.INCONCLUSIVE).map(GateReport::reason).toList());
        }
        return v == Verdict.PASS ? "every gate held: " + String.join("; ", rs.stream().map(r -> r.gate() + " (last " + r.lastText() + ")").toList())
                : "running";
    }
}
