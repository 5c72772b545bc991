package dev.steward.monitor;

import dev.steward.api.GateReport;
import dev.steward.api.MonitorReport;
import dev.steward.api.Verdict;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;

/**
 * A monitor's report as one self-contained HTML page (no scripts, no external files: fit to
 * archive as a build artifact): the verdict and why, and per gate its figures and a small SVG
 * chart of every value measured against the bound.
 */
public final class HtmlReport {
    private static final int W = 440;
    private static final int H = 150;
    /** Margins: left (the y axis' labels), right, top, bottom (the x axis' labels). */
    private static final int L = 64;
    private static final int R = 8;
    private static final int T = 8;
    private static final int B = 22;

    private HtmlReport() {
    }

    public static String render(MonitorReport r) {
        StringBuilder s = new StringBuilder();
        String verdict = r.verdict() == null ? (r.running() ? "RUNNING" : "ENDED") : r.verdict().name();
        String colour = r.verdict() == Verdict.PASS ? "#1a7f37" : r.verdict() == Verdict.FAIL ? "#cf222e" : "#9a6700";
        s.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>monitor ").append(esc(r.service())).append(" ")
                .append(verdict).append("</title>\n<style>body{font:14px system-ui,sans-serif;margin:2em;color:#1f2328}")
                .append("h1{font-size:20px}.v{color:#fff;background:").append(colour).append(";padding:2px 8px;border-radius:4px}")
                .append("table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}")
                .append("svg{background:#f6f8fa}svg text{font:10px system-ui,sans-serif;fill:#57606a}</style></head><body>\n");
        s.append("<h1>").append(esc(r.service())).append(" <span class=\"v\">").append(verdict).append("</span></h1>\n");
        s.append("<p>").append(esc(r.reason() == null ? "" : r.reason())).append("</p>\n");
        String window = r.spec() == null ? null : String.valueOf(r.spec().window() == null ? "1m" : r.spec().window());
        s.append("<p>monitor ").append(esc(r.id())).append(", from ").append(time(r.startedAt())).append(r.endedAt() != null ? " to " + time(r.endedAt())
                        : r.endsAt() != null ? " until " + time(r.endsAt()) : "")
                .append(r.spec() == null ? "" : ", every " + esc(String.valueOf(r.spec().interval() == null ? "10s" : r.spec().interval()))
                        + " over a window of " + esc(window) + ", " + r.spec().failureLimitValue() + " failed evaluation(s) tolerated")
                .append(r.rolledBack() != null ? "; " + esc(r.rolledBack()) : "").append("</p>\n");
        s.append("<table><tr><th>gate</th><th>verdict</th><th>failed</th><th>no data</th><th>last</th><th>values</th></tr>\n");
        for (GateReport g : r.gates()) {
            String gv = g.verdict() != null ? g.verdict().name() : r.running() ? "running" : "no verdict";
            s.append("<tr><td>").append(esc(g.gate())).append("</td><td>").append(gv).append("</td><td>")
                    .append(g.failures()).append(" of ").append(g.evaluations()).append("</td><td>").append(g.noData()).append("</td><td>")
                    .append(esc(g.lastText() == null ? "no data" : g.lastText())).append("<br><small>").append(esc(g.reason())).append("</small></td><td>")
                    .append(chart(g, window)).append("</td></tr>\n");
        }
        s.append("</table>\n</body></html>\n");
        return s.toString();
    }

    /** An instant to the second, in UTC: what a person reads in a report. */
    static String time(Instant t) {
        return t == null ? "" : DateTimeFormatter.ISO_INSTANT.format(t.truncatedTo(ChronoUnit.SECONDS));
    }

    /**
     * The gate's values over time: a y axis in the gate's unit (0, half, top), an x axis with the
     * first and last evaluation times (UTC), the bound as a labelled dashed line, dots (red failed,
     * green held), gaps where there was no data, and the window each value was measured over.
     */
    static String chart(GateReport g, String window) {
        List<GateReport.Point> ps = g.points();
        Gate.Kind kind = kindOf(g.gate());
        double bound = parseBound(g.bound());
        double max = Double.isNaN(bound) ? 0 : bound;
        for (GateReport.Point p : ps) {
            if (p.value() != null && Double.isFinite(p.value())) {
                max = Math.max(max, p.value());
            }
        }
        max = max <= 0 ? 1 : max * 1.15;
        long t0 = ps.isEmpty() ? 0 : ps.get(0).at().toEpochMilli();
        long span = ps.size() < 2 ? 1 : Math.max(1, Duration.between(ps.get(0).at(), ps.get(ps.size() - 1).at()).toMillis());
        StringBuilder s = new StringBuilder("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + W + "\" height=\"" + H + "\" viewBox=\"0 0 " + W + " "
                + H + "\" role=\"img\"><title>" + esc(g.gate()) + "</title>");
        // axes
        s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#8c959f\"/>", L, T, L, H - B));
        s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#8c959f\"/>", L, H - B, W - R, H - B));
        for (double f : new double[] {0, 0.5, 1}) {
            double v = max * f;
            double y = y(v, max);
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#8c959f\"/>", L - 3, y, L, y));
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>", L - 5, y + 3, esc(label(kind, v))));
        }
        if (!ps.isEmpty()) {
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>", L, H - 4, clock(ps.get(0).at())));
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s UTC</text>", W - R, H - 4,
                    clock(ps.get(ps.size() - 1).at())));
        }
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>", (L + W - R) / 2, H - 4,
                esc(ps.size() + " evaluations" + (window == null ? "" : ", each over " + window))));
        if (!Double.isNaN(bound)) {
            double y = y(bound, max);
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#9a6700\" stroke-dasharray=\"4 3\"/>", L, W - R,
                    y, y));
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" style=\"fill:#9a6700\">%s</text>", W - R, y - 3,
                    esc(g.bound())));
        }
        StringBuilder line = new StringBuilder();
        for (GateReport.Point p : ps) {
            double x = L + 6 + (W - L - R - 12) * (double) (p.at().toEpochMilli() - t0) / span;
            if (p.value() == null || !Double.isFinite(p.value())) {
                if (line.length() > 0) {
                    s.append("<polyline fill=\"none\" stroke=\"#57606a\" points=\"").append(line).append("\"/>");
                    line.setLength(0);
                }
                continue;
            }
            double y = y(p.value(), max);
            line.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
            s.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"/>", x, y, p.passed() ? "#1a7f37" : "#cf222e"));
        }
        if (line.length() > 0) {
            s.append("<polyline fill=\"none\" stroke=\"#57606a\" points=\"").append(line).append("\"/>");
        }
        return s.append("</svg>").toString();
    }

    private static Gate.Kind kindOf(String gate) {
        try {
            return Gate.parse("gate", gate).kind();
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static String label(Gate.Kind kind, double v) {
        return kind == null ? String.format(Locale.ROOT, "%.3g", v) : Gate.format(kind, v);
    }

    private static String clock(Instant t) {
        return DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC).format(t);
    }

    private static double y(double v, double max) {
        return (H - B) - (H - B - T) * Math.min(v, max) / max;
    }

    /** The number in a bound such as {@code < 1.00%} or {@code < 250.0ms}, in the unit the values have. */
    static double parseBound(String bound) {
        if (bound == null) {
            return Double.NaN;
        }
        String b = bound.replaceAll("^[<>=]+\\s*", "");
        try {
            if (b.endsWith("%")) {
                return Double.parseDouble(b.substring(0, b.length() - 1)) / 100;
            }
            if (b.endsWith("ms")) {
                return Double.parseDouble(b.substring(0, b.length() - 2)) / 1000;
            }
            if (b.endsWith(" cpus")) {
                return Double.parseDouble(b.substring(0, b.length() - 5));
            }
            if (b.endsWith("/min")) {
                return Double.parseDouble(b.substring(0, b.length() - 4));
            }
            if (b.endsWith("s") || b.endsWith("m")) {
                return Double.parseDouble(b.substring(0, b.length() - 1));
            }
            return Double.parseDouble(b);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
