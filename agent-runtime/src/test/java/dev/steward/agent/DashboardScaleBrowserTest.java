package dev.steward.agent;

import dev.steward.client.StewardClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard in a real browser at 1,000 agents (a tenth with 8 GPUs each) and 500 services of 2
 * instances: the pages draw 200 rows at a time whatever the count, filter and page through all of
 * them, and keep following the state. Prints how long the first table took and the longest task
 * the page ran (the browser's long-task timing), for the closing note; the assertions are on
 * behaviour, not time.
 */
class DashboardScaleBrowserTest {
    private Cluster c;
    private Browser b;
    private Path work;

    @AfterEach
    void stop() throws Exception {
        if (b != null) {
            b.close();
        }
        if (c != null) {
            c.close();
            Cluster.removeTree(work, false);
        }
    }

    @Test
    void a_thousand_agents_and_five_hundred_services_are_drawn_a_page_at_a_time() throws Exception {
        Browser.assumeAvailable();
        c = new Cluster(Duration.ofHours(1)); // registered agents that never heartbeat stay ready for the test
        String join = c.server.joinToken();
        for (int i = 0; i < 1000; i++) {
            String gpus = i % 10 == 0 ? ",\"gpus\":8,\"gpuModel\":\"A100\"" : "";
            c.callAs(join, "POST", "/v1/agents", String.format("{\"name\":\"agent-%04d\",\"cpus\":\"32\",\"memory\":\"128g\",\"ports\":\"20000-20100\""
                    + ",\"attributes\":{\"rack\":\"r%d\"}%s}", i, i % 40, gpus));
        }
        work = Files.createTempDirectory("steward-dashboard-scale");
        StewardClient admin = StewardClient.builder(c.server.url()).token(c.server.adminToken()).build();
        String digest = Apps.webapp(admin, work, "v1", Map.of());
        for (int i = 0; i < 500; i++) {
            c.call("PUT", String.format("/v1/services/app-%03d/prod", i), "{\"packageDigest\":\"" + digest + "\",\"instances\":2,\"progressDeadline\":\"1h\"}");
        }
        c.call("POST", "/v1/requests", "{\"cpus\":\"1\",\"memory\":\"1g\",\"gpus\":\"4\",\"count\":30,\"ttl\":\"1h\"}"); // GPU devices in use

        b = new Browser();
        // the browser's long-task timing, observed from the page's first script on (injected over CDP: the page itself carries no test code)
        b.driver.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source",
                "window.stewardLongest = 0; new PerformanceObserver(l => l.getEntries().forEach(e => "
                        + "window.stewardLongest = Math.max(window.stewardLongest, e.duration))).observe({type: 'longtask', buffered: true});"));
        b.signIn(c.server.url(), c.server.adminToken());
        long t0 = System.nanoTime();
        b.open(c.server.url() + "/#/cluster");
        b.awaitText("#agents .pager", "1000 of 1000", Duration.ofSeconds(60));
        long firstTable = (System.nanoTime() - t0) / 1_000_000;
        assertThat(b.driver.findElements(By.cssSelector("#agents tbody tr"))).hasSize(200);
        assertThat(b.driver.findElements(By.cssSelector("#agents .gpu.used")).size()).isGreaterThan(0);
        b.find("#agents input").sendKeys("agent-0999");
        b.awaitText("#agents .pager", "1 of 1000", Duration.ofSeconds(10));
        assertThat(b.driver.findElements(By.cssSelector("#agents tbody tr"))).hasSize(1);
        b.find("#agents input").clear();
        b.find("#agents input").sendKeys("r7 "); // an attribute, in 25 agents
        b.awaitText("#agents .pager", "25 of 1000", Duration.ofSeconds(10));
        b.find("#agents input").sendKeys(org.openqa.selenium.Keys.chord(org.openqa.selenium.Keys.CONTROL, "a"), org.openqa.selenium.Keys.DELETE);
        b.awaitText("#agents .pager", "page 1 of 5", Duration.ofSeconds(10));
        b.driver.findElements(By.cssSelector("#agents .pager button")).get(1).click();
        b.awaitText("#agents .pager", "page 2 of 5", Duration.ofSeconds(10));
        assertThat(b.find("#agents tbody tr").getAttribute("data-agent")).isEqualTo("agent-0200");
        b.screenshot("scale-cluster");

        long t1 = System.nanoTime();
        b.open(c.server.url() + "/#/services");
        b.awaitText("#services .pager", "500 of 500", Duration.ofSeconds(60));
        long services = (System.nanoTime() - t1) / 1_000_000;
        assertThat(b.driver.findElements(By.cssSelector("#services tbody tr"))).hasSize(200);
        b.screenshot("scale-services");
        long t2 = System.nanoTime();
        b.open(c.server.url() + "/#/allocations"); // the services' 1,000 instances and the 30 GPU holders
        b.awaitText("#allocations .pager", "1030 of 1030", Duration.ofSeconds(60));
        long allocations = (System.nanoTime() - t2) / 1_000_000;
        assertThat(b.driver.findElements(By.cssSelector("#allocations tbody tr"))).hasSize(200);
        b.find("#allocations input").sendKeys("app-042");
        b.awaitText("#allocations .pager", "2 of 1030", Duration.ofSeconds(10));
        b.open(c.server.url() + "/#/roles");
        b.awaitText("#roles", "default", Duration.ofSeconds(30));

        // the page follows the state still: a new agent shows without a reload
        b.open(c.server.url() + "/#/cluster");
        b.awaitText("#agents .pager", "1000 of 1000", Duration.ofSeconds(60));
        c.callAs(join, "POST", "/v1/agents", "{\"name\":\"agent-late\",\"cpus\":\"4\",\"memory\":\"8g\",\"ports\":\"20000-20100\"}");
        b.awaitText("#agents .pager", "1001 of 1001", Duration.ofSeconds(60));

        Object longest = b.script("return window.stewardLongest");
        System.out.printf("DashboardScaleBrowserTest: 1,000 agents' table in %d ms, 500 services' in %d ms, 1,030 allocations' in %d ms; "
                + "longest task of the page %.0f ms%n", firstTable, services, allocations, ((Number) longest).doubleValue());
    }
}
