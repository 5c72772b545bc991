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
}
