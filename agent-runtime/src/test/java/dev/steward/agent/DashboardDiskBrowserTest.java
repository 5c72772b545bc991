package dev.steward.agent;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The dashboard in a real browser marks an agent whose heartbeat says its disk is nearly full,
 * with what is free in its title, and not one whose disk has room.
 */
class DashboardDiskBrowserTest {
    private Cluster c;
    private Browser b;

    @AfterEach
    void stop() throws Exception {
        try {
            if (b != null) {
                b.close();
            }
        } finally {
            if (c != null) {
                c.close();
            }
        }
    }

    private String join(String name, String freeMib) {
        JsonNode joined = c.callAs(c.server.joinToken(), "POST", "/v1/agents", "{\"name\":\"" + name + "\",\"cpus\":\"1\",\"memory\":\"1g\"}");
        String id = joined.path("agent").path("id").asText();
        c.callAs(joined.path("token").asText(), "PUT", "/v1/agents/" + id + "/heartbeat", "{\"usage\":{\"diskFreeMib\":" + freeMib + ",\"diskPressureMib\":1024}}");
        return id;
    }

    @Test
    void an_agent_whose_disk_is_nearly_full_is_marked_with_what_is_free() throws Exception {
        assumeTrue(Browser.available(), "chromium and chromium-driver are not installed at /usr/bin (Debian's chromium and chromium-driver; .ci/run installs them)");
        c = new Cluster(Duration.ofMinutes(5));
        join("full", "300");
        join("roomy", "50000");
        b = new Browser();
        b.signIn(c.server.url(), c.server.adminToken());
        WebElement row = b.awaitText("#agents tr[data-agent='full']", "disk nearly full", Duration.ofSeconds(20));
        assertThat(row.findElement(By.xpath(".//span[contains(., 'disk nearly full')]")).getAttribute("title"))
                .isEqualTo("300 MiB free, below 1 GiB: nothing new is placed here until there is more");
        assertThat(b.awaitText("#agents tr[data-agent='roomy']", "ready", Duration.ofSeconds(20)).getText()).doesNotContain("disk nearly full");
        b.screenshot("disk-nearly-full");
    }
}
