package dev.steward.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Draws placement cost against agent count as a small SVG (log scales on both axes), one line
 * per scheduler, for docs/benchmarks.md. Points with no figure (Fenzo past the size it finishes
 * in reasonable time) are left out.
 */
final class CostPlot {
    /** One scheduler's figures: µs per placement at each agent count (NaN: not measured). */
    record Series(String name, String colour, double[] micros) {
    }

    private static final int W = 640;
    private static final int H = 360;
    private static final int LEFT = 70;
    private static final int RIGHT = 150;
    private static final int TOP = 30;
    private static final int BOTTOM = 50;

    private CostPlot() {
    }

    static void write(Path file, int[] agents, List<Series> series, String title) throws IOException {
        double minY = Double.MAX_VALUE;
        double maxY = 0;
        for (Series s : series) {
            for (double v : s.micros()) {
                if (!Double.isNaN(v)) {
                    minY = Math.min(minY, v);
                    maxY = Math.max(maxY, v);
                }
            }
        }
        double lo = Math.pow(10, Math.floor(Math.log10(minY)));
        double hi = Math.pow(10, Math.ceil(Math.log10(maxY)));
        double xlo = Math.log10(agents[0]) - 0.1;
        double xhi = Math.log10(agents[agents.length - 1]) + 0.1;
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">%n", W, H));
        b.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", W, H));
        b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"18\" font-size=\"14\">%s</text>%n", LEFT, escape(title)));
        for (double d = lo; d <= hi * 1.0001; d *= 10) { // horizontal grid, one line per decade
            double y = y(d, lo, hi);
            b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>%n", LEFT, y, W - RIGHT, y));
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s µs</text>%n", LEFT - 6, y + 4, number(d)));
        }
        for (int n : agents) {
            double x = x(n, xlo, xhi);
            b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>%n", x, TOP, x, H - BOTTOM));
            b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%,d</text>%n", x, H - BOTTOM + 16, n));
        }
        b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">agents (log scale)</text>%n", (LEFT + W - RIGHT) / 2, H - 12));
        int legend = TOP + 10;
        for (Series s : series) {
            StringBuilder pts = new StringBuilder();
            for (int i = 0; i < agents.length; i++) {
                double v = s.micros()[i];
                if (Double.isNaN(v)) {
                    continue;
                }
                double x = x(agents[i], xlo, xhi);
                double y = y(v, lo, hi);
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
                b.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"/>%n", x, y, s.colour()));
                b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" fill=\"%s\">%s</text>%n", x + 6, y - 6, s.colour(), number(v)));
            }
            b.append(String.format(Locale.ROOT, "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"/>%n", pts.toString().trim(), s.colour()));
            b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"2\"/>%n", W - RIGHT + 15, legend, W - RIGHT + 35, legend,
                    s.colour()));
            b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>%n", W - RIGHT + 40, legend + 4, escape(s.name())));
            legend += 18;
        }
        b.append("</svg>\n");
        Files.writeString(file, b.toString());
    }

    private static double x(double n, double lo, double hi) {
        return LEFT + (Math.log10(n) - lo) / (hi - lo) * (W - LEFT - RIGHT);
    }

    private static double y(double v, double lo, double hi) {
        return TOP + (1 - (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * (H - TOP - BOTTOM);
    }

    private static String number(double v) {
        return v >= 100 ? String.format(Locale.ROOT, "%,.0f", v) : v >= 10 ? String.format(Locale.ROOT, "%.1f", v) : String.format(Locale.ROOT, "%.2f", v);
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
