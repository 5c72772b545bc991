package dev.steward.monitor;

import dev.steward.api.GateReport;
import dev.steward.api.MonitorReport;
import dev.steward.api.Verdict;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * A monitor's report as one self-contained HTML page (no scripts, no external files: fit to
 * archive as a build artifact): the verdict and why, and per gate its figures and a small SVG
 * chart of every value measured against the bound.
 */
public final class HtmlReport {
    private static final int W = 360;
    private static final int H = 90;

    private HtmlReport() {
    }

    public static String render(MonitorReport r) {
        StringBuilder s = new StringBuilder();
        String verdict = r.verdict() == null ? "RUNNING" : r.verdict().name();
        String colour = r.verdict() == Verdict.PASS ? "#1a7f37" : r.verdict() == Verdict.FAIL ? "#cf222e" : "#9a6700";
        s.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>monitor ").append(esc(r.service())).append(" ")
                .append(verdict).append("</title>\n<style>body{font:14px system-ui,sans-serif;margin:2em;color:#1f2328}")
                .append("h1{font-size:20px}.v{color:#fff;background:").append(colour).append(";padding:2px 8px;border-radius:4px}")
                .append("table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}")
                .append("svg{background:#f6f8fa}</style></head><body>\n");
        s.append("<h1>").append(esc(r.service())).append(" <span class=\"v\">").append(verdict).append("</span></h1>\n");
        s.append("<p>").append(esc(r.reason() == null ? "" : r.reason())).append("</p>\n");
        s.append("<p>monitor ").append(esc(r.id())).append(", from ").append(r.startedAt()).append(r.endedAt() != null ? " to " + r.endedAt() : "")
                .append(r.spec() == null ? "" : ", every " + esc(String.valueOf(r.spec().interval())) + " over a window of "
                        + esc(String.valueOf(r.spec().window())) + ", " + r.spec().failureLimitValue() + " failed evaluation(s) tolerated")
                .append(r.rolledBack() != null ? "; " + esc(r.rolledBack()) : "").append("</p>\n");
        s.append("<table><tr><th>gate</th><th>verdict</th><th>failed</th><th>no data</th><th>last</th><th>values</th></tr>\n");
        for (GateReport g : r.gates()) {
            s.append("<tr><td>").append(esc(g.gate())).append("</td><td>").append(g.verdict() == null ? "running" : g.verdict()).append("</td><td>")
                    .append(g.failures()).append(" of ").append(g.evaluations()).append("</td><td>").append(g.noData()).append("</td><td>")
                    .append(esc(g.lastText() == null ? "no data" : g.lastText())).append("<br><small>").append(esc(g.reason())).append("</small></td><td>")
                    .append(chart(g)).append("</td></tr>\n");
        }
        s.append("</table>\n</body></html>\n");
        return s.toString();
    }

    /** The gate's values over time (dots: red failed, green held; gaps: no data) and the bound as a dashed line. */
    static String chart(GateReport g) {
        List<GateReport.Point> ps = g.points();
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
        if (!Double.isNaN(bound)) {
            double y = y(bound, max);
            s.append(String.format(Locale.ROOT, "<line x1=\"0\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#9a6700\" stroke-dasharray=\"4 3\"/>", W, y, y));
        }
        StringBuilder line = new StringBuilder();
        for (GateReport.Point p : ps) {
            double x = 6 + (W - 12) * (double) (p.at().toEpochMilli() - t0) / span;
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

    private static double y(double v, double max) {
        return H - 6 - (H - 12) * Math.min(v, max) / max;
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
