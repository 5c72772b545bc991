package dev.steward.monitor;

import dev.steward.api.GateReport;
import dev.steward.api.MonitorReport;
import dev.steward.api.Verdict;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class HtmlReportTest {
    @Test
    void aSelfContainedPageWithAChartPerGate() {
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        GateReport g = new GateReport("error-rate < 1%", Verdict.FAIL, 2, 3, 0, 0.05, "5.00%", "< 1.00%", "error-rate < 1% failed 2 of 3 <evaluations>",
                List.of(new GateReport.Point(t, 0.0, true), new GateReport.Point(t.plusSeconds(10), null, false),
                        new GateReport.Point(t.plusSeconds(20), 0.05, false)));
        MonitorReport r = new MonitorReport("m1", "web/prod", null, false, Verdict.FAIL, "error-rate < 1% failed", t, t.plusSeconds(30), t.plusSeconds(30),
                List.of(g), "rolled back to revision 2", 1, 1);
        String html = HtmlReport.render(r);
        assertThat(html).startsWith("<!DOCTYPE html>").contains("<svg").contains("FAIL").contains("rolled back to revision 2")
                .contains("&lt;evaluations&gt;").doesNotContain("<script", "<link", "src=");
        assertThat(html.split("<circle", -1)).as("one dot per measured value").hasSize(3);
        assertThat(html).contains("stroke-dasharray"); // the bound
        assertThat(HtmlReport.parseBound("< 250.0ms")).isEqualTo(0.25);
        assertThat(HtmlReport.parseBound(">= 80.00%")).isEqualTo(0.8);
    }

    @Test
    void chartsHaveAxesInTheGatesUnitTheLabelledBoundAndTheWindowAndTimesAreToTheSecond() {
        Instant t = Instant.parse("2026-01-01T10:00:00.123456789Z");
        GateReport g = new GateReport("p99 < 250ms", Verdict.PASS, 0, 2, 0, 0.1, "100.0ms", "< 250.0ms", "held",
                List.of(new GateReport.Point(t, 0.12, true), new GateReport.Point(t.plusSeconds(10), 0.1, true)));
        MonitorReport r = new MonitorReport("m1", "web/prod", new dev.steward.api.MonitorSpec(List.of("p99 < 250ms"), "20s", "10s", "30s", 0, null, null,
                null, null, null, null, null, false), false, Verdict.PASS, "every gate held", t, t.plusSeconds(20), t.plusSeconds(20), List.of(g), null, 1, 1);
        String html = HtmlReport.render(r);
        assertThat(html).contains("from 2026-01-01T10:00:00Z to 2026-01-01T10:00:20Z").doesNotContain(".123456789");
        assertThat(html).contains(">0.0ms</text>").contains(">287.5ms</text>").as("y axis in the gate's unit, 0 to the top");
        assertThat(html).contains(">&lt; 250.0ms</text>").as("the bound, labelled");
        assertThat(html).contains(">10:00:00</text>").contains(">10:00:10 UTC</text>").contains("2 evaluations, each over 30s");
    }

    @Test
    void aMonitorThatFailedEarlyGivesItsOtherGatesAVerdictNotRunning() {
        Judge j = new Judge(List.of(Gate.parse("g", "restarts <= 0"), Gate.parse("g", "healthy >= 50%")), 0);
        Instant t = Instant.parse("2026-01-01T10:00:00Z");
        Evaluator e = new Evaluator(Evaluator.MetricNames.defaults(1));
        j.evaluate(e, List.of(new Snapshot(t, java.util.Map.of("a", new Snapshot.Instance(List.of(), true, 0, null, 0))),
                new Snapshot(t.plusSeconds(10), java.util.Map.of("a", new Snapshot.Instance(List.of(), true, 2, null, 0)))), t.plusSeconds(10),
                java.time.Duration.ofMinutes(1));
        assertThat(j.verdict(false)).isEqualTo(Verdict.FAIL);
        List<GateReport> rs = j.reports(false);
        assertThat(rs.get(0).verdict()).isEqualTo(Verdict.FAIL);
        assertThat(rs.get(1).verdict()).as("held in every evaluation until the monitor ended").isEqualTo(Verdict.PASS);
        MonitorReport r = new MonitorReport("m1", "web/prod", null, false, Verdict.FAIL, j.reason(false), t, t.plusSeconds(60), t, rs, null, 1, 1);
        assertThat(HtmlReport.render(r)).doesNotContain("running");
        List<GateReport> stopped = Judge.stopped(new Judge(List.of(Gate.parse("g", "restarts <= 0")), 0).reports(false), "stopped by admin");
        assertThat(stopped.get(0).verdict()).isEqualTo(Verdict.INCONCLUSIVE);
        assertThat(stopped.get(0).reason()).startsWith("stopped by admin after 0 evaluations");
    }
}
