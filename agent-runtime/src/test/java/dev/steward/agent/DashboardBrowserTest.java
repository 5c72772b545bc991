package dev.steward.agent;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steward.client.StewardClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The web dashboard in a real browser (Debian's chromium, headless, through chromium-driver),
 * against a real allocator with a real agent running the example app: sign in, the agent and its
 * use, a pending request's reason, a rolling deployment followed to its end without a reload, an
 * abort from the page, a monitor's charts, and a role's token that sees its own services only.
 * Every page is saved under target/screenshots/ for review.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DashboardBrowserTest {
    private static final String FAST = ",\"minHealthyTime\":\"1s\",\"healthyDeadline\":\"30s\",\"progressDeadline\":\"60s\"";
    private Cluster c;
    private Path work;
    private Browser b;
    private String teamA;
    private String teamB;
    private String v1;
    private String v2;

    @BeforeAll
    void cluster() throws Exception {
        Browser.assumeAvailable();
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "python3 is not installed at /usr/bin/python3 (.ci/run installs it)");
        c = new Cluster();
        c.agent("m1", Map.of());
        work = Files.createTempDirectory("steward-dashboard");
        c.call("PUT", "/v1/roles/team-a", "{\"weight\":2,\"guarantee\":{\"cpus\":\"0.5\"},\"limit\":{\"cpus\":\"1.5\",\"memory\":\"4g\"}}");
        c.call("PUT", "/v1/roles/team-b", "{\"weight\":1}");
        teamA = c.call("POST", "/v1/roles/team-a/tokens", "{}").path("token").asText();
        teamB = c.call("POST", "/v1/roles/team-b/tokens", "{}").path("token").asText();
        StewardClient a = StewardClient.builder(c.server.url()).token(teamA).build();
        v1 = Apps.webapp(a, work, "v1", Map.of());
        v2 = Apps.webapp(a, work, "v2", Map.of());
        awaitEnd(deploy(teamA, "webapp", "staging", "{\"packageDigest\":\"" + v1 + "\",\"instances\":2,\"buildUrl\":\"https://ci/job/webapp/1/\"" + FAST + "}"));
        // team-b runs the same build: it sends the bytes itself (a role reaches only the packages it uploaded or ran)
        assertThat(Apps.webapp(StewardClient.builder(c.server.url()).token(teamB).build(), work, "v1", Map.of())).isEqualTo(v1);
        awaitEnd(deploy(teamB, "billing", "prod", "{\"packageDigest\":\"" + v1 + "\",\"instances\":1" + FAST + "}"));
    }

    @AfterAll
    void stop() throws Exception {
        if (c != null) {
            c.close();
            Cluster.removeTree(work, false);
        }
    }

    @BeforeEach
    void browser() throws Exception {
        b = new Browser();
    }

    @AfterEach
    void close() throws Exception {
        if (b != null) {
            b.close();
        }
    }

    private String deploy(String token, String app, String env, String body) {
        return c.callAs(token, "PUT", "/v1/services/" + app + "/" + env, body).path("deployment").path("id").asText();
    }

    private JsonNode awaitEnd(String deployment) {
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).until(() ->
                !Set.of("RUNNING", "PAUSED", "QUEUED", "ROLLING_BACK").contains(c.call("GET", "/v1/deployments/" + deployment, null).path("state").asText()));
        return c.call("GET", "/v1/deployments/" + deployment, null);
    }

    @Test
    void sign_in_and_see_the_agent_and_its_use() throws Exception {
        b.open(c.server.url() + "/");
        b.awaitTrue(() -> b.find("#token").isDisplayed(), Duration.ofSeconds(20));
        b.screenshot("sign-in");
        b.find("#token").sendKeys("str_" + "0".repeat(64));
        b.find("#signin-button").click();
        b.awaitText("#signin-error", "not known", Duration.ofSeconds(20)); // a wrong token is told so, and nothing is shown
        assertThat(b.driver.findElements(By.cssSelector("#agents"))).isEmpty();

        b.signIn(c.server.url(), c.server.adminToken());
        assertThat(b.text("#who")).isEqualTo("admin");
        b.awaitText("#agents tr[data-agent='m1']", "ready", Duration.ofSeconds(20));
        // three instances of the example app (two of team-a's, one of team-b's) hold 0.25 cpus and 64 MiB each
        String row = b.awaitTextOf("#agents tr[data-agent='m1']", "0.75 /", Duration.ofSeconds(20));
        assertThat(row).contains("192 MiB /");
        assertThat(b.text("#agents-ready")).contains("1");
        // the use bars are drawn (the page's Content-Security-Policy allows no inline style: widths are set through the CSSOM)
        Object width = b.script("return document.querySelector(\"#agents tr[data-agent='m1'] .bar > span\").getBoundingClientRect().width");
        assertThat(((Number) width).doubleValue()).as("the cpu bar's fill").isGreaterThan(10);
        // the token is in this tab's session storage and nowhere else: not in the URL, not in a cookie
        assertThat(b.script("return sessionStorage.getItem('steward.token')")).isEqualTo(c.server.adminToken());
        assertThat(b.driver.getCurrentUrl()).doesNotContain(c.server.adminToken());
        assertThat(b.driver.manage().getCookies()).isEmpty();
        b.screenshot("cluster");

        b.find("#signout").click();
        b.awaitTrue(() -> b.find("#token").isDisplayed(), Duration.ofSeconds(10));
        assertThat(b.script("return sessionStorage.getItem('steward.token')")).isNull();
    }

    @Test
    void a_pending_requests_reason_is_shown() throws Exception {
        String id = c.call("POST", "/v1/requests", "{\"name\":\"huge\",\"cpus\":\"1\",\"memory\":\"64g\"}").path("id").asText(); // the default role
        try {
            b.signIn(c.server.url(), c.server.adminToken());
            b.open(c.server.url() + "/#/roles");
            b.awaitText("#roles tr[data-role='team-a']", "team-a", Duration.ofSeconds(20));
            String pending = b.awaitTextOf("#pending tr[data-request='" + id + "']", "insufficient memory", Duration.ofSeconds(20));
            assertThat(pending).contains("1 agent: 1 insufficient memory").contains("default").contains("64g, priority 50");
            assertThat(b.text("#roles tr[data-role='team-a']")).contains("1.5 cpus").contains("4g memory");
            assertThat(b.text("#roles tr[data-role='team-a'] .max-priority")).isEqualTo("1000");
            b.screenshot("roles");
        } finally {
            c.call("DELETE", "/v1/requests/" + id, null);
        }
    }

    @Test
    void a_rolling_deployment_is_followed_to_its_end_without_a_reload() throws Exception {
        b.signIn(c.server.url(), teamA);
        b.open(c.server.url() + "/#/services/webapp/staging");
        b.awaitText("#revisions", "https://ci/job/webapp/1/", Duration.ofSeconds(20));
        assertThat(b.driver.findElement(By.tagName("body")).getText()).contains("Role team-a · priority 50 · ");
        b.screenshot("service");
        b.script("window.stewardMarker = 'same page'"); // gone if the page reloads
        // each new instance must stay healthy 6 s before the next is started: the rollout outlasts (by over 12 s) the
        // page's steps that must see it running, on a loaded machine too; with FAST's 1 s it could end before the click
        // landed (the link gone, the click on plain text) or before the deployment page first drew it
        String d = deploy(teamA, "webapp", "staging", "{\"packageDigest\":\"" + (currentRevisionIsV1() ? v2 : v1)
                + "\",\"strategy\":\"rolling\",\"maxSurge\":\"1\",\"maxUnavailable\":\"0\",\"buildUrl\":\"https://ci/job/webapp/2/\""
                + ",\"minHealthyTime\":\"6s\",\"healthyDeadline\":\"60s\",\"progressDeadline\":\"90s\"}");
        b.awaitTrue(() -> b.text("#current-deployment").contains(d), Duration.ofSeconds(20)); // the service page saw it start
        // the service page re-renders as the rollout moves: a find then a click may miss, so click until the page has moved
        b.awaitTrue(() -> {
            if (!b.driver.getCurrentUrl().endsWith("#/deployments/" + d)) {
                b.find("#current-deployment").click();
            }
            return b.driver.getCurrentUrl().endsWith("#/deployments/" + d);
        }, Duration.ofSeconds(20));
        b.awaitText("#state", "running", Duration.ofSeconds(20));
        b.screenshot("deployment-running");
        b.awaitText("#state", "succeeded", Duration.ofSeconds(120));
        assertThat(b.script("return window.stewardMarker")).isEqualTo("same page");
        b.awaitTrue(() -> b.driver.findElements(By.cssSelector("#new-instances tr[data-state='healthy']")).size() == 2, Duration.ofSeconds(20));
        assertThat(b.text("#events")).contains("succeeded");
        List<String> seqs = b.driver.findElements(By.cssSelector("#events div")).stream().map(e -> e.getAttribute("data-seq")).toList();
        assertThat(seqs).doesNotHaveDuplicates().isNotEmpty();
        assertThat(b.driver.findElements(By.cssSelector("#actions #rollback"))).hasSize(1); // a finished rollout can be rolled back
        b.screenshot("deployment-succeeded");
    }

    private boolean currentRevisionIsV1() {
        JsonNode revs = c.call("GET", "/v1/services/webapp/staging/revisions", null);
        String current = c.call("GET", "/v1/services/webapp/staging", null).path("revision").asText();
        for (JsonNode r : revs) {
            if (r.path("number").asText().equals(current)) {
                return r.path("spec").path("packageDigest").asText().equals(v1);
            }
        }
        return true;
    }

    @Test
    void a_paused_canary_is_aborted_from_the_page() throws Exception {
        String d = deploy(teamA, "webapp", "staging", "{\"packageDigest\":\"" + (currentRevisionIsV1() ? v2 : v1)
                + "\",\"strategy\":\"canary\",\"steps\":[{\"weight\":\"1\",\"pause\":\"promote\"},{\"weight\":\"100%\"}]" + FAST + "}");
        b.signIn(c.server.url(), teamA);
        b.open(c.server.url() + "/#/deployments/" + d);
        b.awaitText("#state", "paused", Duration.ofSeconds(60));
        assertThat(b.text("#step")).isEqualTo("1 of 2");
        assertThat(b.driver.findElements(By.cssSelector("#actions #resume"))).hasSize(1);
        assertThat(b.driver.findElements(By.cssSelector("#actions #promote"))).hasSize(1);
        b.screenshot("deployment-paused");
        b.click("#actions #abort", Duration.ofSeconds(20)); // the page re-renders as its watch sees changes: found and clicked in one try
        b.awaitText("#state", "aborted", Duration.ofSeconds(30));
        assertThat(c.call("GET", "/v1/deployments/" + d, null).path("state").asText()).isEqualTo("ABORTED");
        assertThat(b.text("#reason")).contains("role team-a"); // who aborted it, as the history says
        b.screenshot("deployment-aborted");
    }

    /** A rollout that an instance's failure ended shows, on its page, what that instance last wrote (as steward deploy prints it). */
    @Test
    void a_failed_rollout_shows_what_its_instance_last_wrote() throws Exception {
        String unhealthy = Apps.webapp(StewardClient.builder(c.server.url()).token(teamA).build(), work, "v9", Map.of("UNHEALTHY", "1"));
        String d = deploy(teamA, "flaky", "qa", "{\"packageDigest\":\"" + unhealthy + "\",\"instances\":1,\"restart\":{\"attempts\":0}" + FAST + "}");
        assertThat(awaitEnd(d).path("state").asText()).isEqualTo("FAILED");
        b.signIn(c.server.url(), teamA);
        b.open(c.server.url() + "/#/deployments/" + d);
        b.awaitText("#failed-output pre", "webapp v9 listening on 127.0.0.1:", Duration.ofSeconds(30));
        assertThat(b.text("#failed-output h2")).matches("What instance [0-9a-f]{16} last wrote \\(stdout\\)");
        assertThat(b.text("#failed-output")).containsPattern("All of it, or steward logs [0-9a-f]{16}");
        b.screenshot("deployment-failed-output");
        b.click("#failed-output-all", Duration.ofSeconds(10)); // the whole output, on a page of its own
        b.awaitText("#log", "webapp v9 listening on 127.0.0.1:", Duration.ofSeconds(30));
        assertThat(b.driver.getCurrentUrl()).matches(".*#/logs/[^/]+$"); // stdout, as the quote
        // its service replaces the failed instance, and its page says how many it replaced (and, while it holds, the backoff)
        b.open(c.server.url() + "/#/services/flaky/qa");
        b.awaitText("#replacements", "failed or lost instance", Duration.ofSeconds(30));
        assertThat(b.text("#replacements")).matches("\\s*· [0-9]+ failed or lost instances? replaced(; the next replacement waits until .*)?");
        b.screenshot("service-replacements");
        // no revision of it succeeded: nothing to roll back to, said on the button (read in one try each: the page re-renders as it replaces)
        assertThat(b.awaitAttribute("#rollback", "Roll back", "disabled", Duration.ofSeconds(10))).isEqualTo("true");
        assertThat(b.awaitAttribute("#rollback", "Roll back", "title", Duration.ofSeconds(10))).contains("none to roll back to");
        // gone again: the service still wants its instance and replaces each that fails, and that churn would re-render the other
        // tests' pages under their clicks and reads
        c.callAs(teamA, "DELETE", "/v1/services/flaky/qa", null);
        await().atMost(Duration.ofSeconds(60)).until(() -> gone(teamA, "/v1/services/flaky/qa"));
    }

    /**
     * A task's output page: the last 64 KiB at first (from a line's start), earlier output a click
     * at a time, new lines as the task writes them without a reload, and the end of the task said;
     * stderr on a tab of its own; another role's token reads nothing of it. Reached from an
     * instance's row on its service's page.
     */
    @Test
    void a_tasks_output_is_followed_on_its_own_page() throws Exception {
        String alloc = c.callAs(teamA, "POST", "/v1/requests", "{\"cpus\":\"0.1\",\"memory\":\"32m\"}").path("allocations").get(0).asText();
        try {
            // 20,000 numbered lines (108,894 bytes: more than the first window), then one line each time the file 'more' appears, until 'stop' does
            String task = c.callAs(teamA, "POST", "/v1/allocations/" + alloc + "/tasks", "{\"name\":\"counter\",\"command\":\"sh\",\"args\":[\"-c\","
                    + "\"seq 1 20000; echo 'to stderr: <b>not markup</b>' >&2; i=0; until [ -e stop ]; do if [ -e more ]; then i=$((i+1)); echo \\\"more $i\\\"; rm more; fi; sleep 0.1; done; echo bye\"]"
                    + ",\"killTimeout\":\"1s\",\"restart\":{\"attempts\":0}}").path("id").asText();
            Path sandbox = awaitSandbox(task);
            b.signIn(c.server.url(), teamA);
            b.open(c.server.url() + "/#/logs/" + task);
            b.awaitText("#log", "\n20000", Duration.ofSeconds(30));
            b.awaitText("#log-status", "Following", Duration.ofSeconds(20));
            String first = (String) b.script("return document.getElementById('log').textContent");
            // the last 64 KiB: 108,894 - 65,536 = 43,358, the first byte of line 8894 (3,888 bytes for lines 1 to 999, then 5 a line)
            assertThat(first).as("the last 64 KiB, from a line's start").startsWith("8894\n8895\n").endsWith("19999\n20000\n").hasSize(65_536);
            assertThat(b.text("#task")).contains("counter").contains("running");
            b.script("window.stewardMarker = 'same page'");
            Files.writeString(sandbox.resolve("more"), "");
            b.awaitText("#log", "more 1", Duration.ofSeconds(30));
            Files.writeString(sandbox.resolve("more"), "");
            b.awaitText("#log", "more 2", Duration.ofSeconds(30));
            assertThat(b.script("return window.stewardMarker")).isEqualTo("same page");
            b.screenshot("task-output");

            b.click("#earlier", Duration.ofSeconds(10)); // the 64 KiB before: now from line 1, nothing twice
            b.awaitTrue(() -> ((String) b.script("return document.getElementById('log').textContent")).startsWith("1\n2\n3\n"), Duration.ofSeconds(20));
            String all = (String) b.script("return document.getElementById('log').textContent");
            StringBuilder expected = new StringBuilder();
            for (int i = 1; i <= 20000; i++) {
                expected.append(i).append('\n');
            }
            assertThat(all).isEqualTo(expected + "more 1\nmore 2\n");
            assertThat(b.find("#earlier").isDisplayed()).as("nothing earlier is left").isFalse();

            Files.writeString(sandbox.resolve("stop"), "");
            b.awaitText("#log-status", "The task has ended", Duration.ofSeconds(30));
            assertThat(b.text("#log")).endsWith("more 2\nbye");
            b.awaitText("#task-state", "exited", Duration.ofSeconds(20));

            b.click("#stream-stderr", Duration.ofSeconds(10));
            b.awaitText("#log", "to stderr: <b>not markup</b>", Duration.ofSeconds(30)); // as text
            assertThat(b.driver.findElements(By.cssSelector("#log b"))).isEmpty();
            b.awaitText("#log-status", "The task has ended", Duration.ofSeconds(30));

            b.open(c.server.url() + "/"); // another role: nothing of it
            b.find("#signout").click();
            b.signIn(c.server.url(), teamB);
            b.open(c.server.url() + "/#/logs/" + task);
            b.awaitText("#log-status", task, Duration.ofSeconds(30));
            assertThat(b.text("#log")).isEmpty();
        } finally { // the other tests count the cluster's use
            c.callAs(teamA, "POST", "/v1/allocations/" + alloc + "/release", "{}");
        }
    }

    /** A task that writes 2.6 MB while its page follows it: the page keeps the last 1 MiB of it, whole lines, the end included. */
    @Test
    void a_chatty_tasks_page_keeps_its_last_mebibyte() throws Exception {
        String alloc = c.callAs(teamA, "POST", "/v1/requests", "{\"cpus\":\"0.1\",\"memory\":\"32m\"}").path("allocations").get(0).asText();
        try {
            String task = c.callAs(teamA, "POST", "/v1/allocations/" + alloc + "/tasks", "{\"name\":\"chatty\",\"command\":\"sh\",\"args\":[\"-c\","
                    + "\"echo waiting; until [ -e go ]; do sleep 0.1; done; seq 1 400000\"],\"killTimeout\":\"1s\",\"restart\":{\"attempts\":0}}")
                    .path("id").asText();
            Path sandbox = awaitSandbox(task);
            b.signIn(c.server.url(), teamA);
            b.open(c.server.url() + "/#/logs/" + task);
            b.awaitText("#log-status", "Following", Duration.ofSeconds(30));
            assertThat(b.text("#log")).isEqualTo("waiting");
            Files.writeString(sandbox.resolve("go"), "");
            b.awaitText("#log-status", "The task has ended", Duration.ofSeconds(60));
            String kept = (String) b.script("return document.getElementById('log').textContent");
            assertThat(kept.length()).isBetween(1024 * 1024 - 7, 1024 * 1024);
            assertThat(kept).endsWith("399999\n400000\n").matches("(?s)[0-9]+\n.*"); // whole lines: it starts at one's start
            int firstLine = Integer.parseInt(kept.substring(0, kept.indexOf('\n')));
            assertThat(kept).startsWith(firstLine + "\n" + (firstLine + 1) + "\n");
            assertThat(b.find("#earlier").isDisplayed()).as("what was dropped can be asked for").isTrue();
        } finally {
            c.callAs(teamA, "POST", "/v1/allocations/" + alloc + "/release", "{}");
        }
    }

    @Test
    void an_instances_output_is_one_click_from_its_service() throws Exception {
        b.signIn(c.server.url(), teamA);
        b.open(c.server.url() + "/#/services/webapp/staging");
        b.awaitText("#main table.instances", "healthy", Duration.ofSeconds(30));
        b.click("table.instances tr[data-state='healthy'] a.stdout", Duration.ofSeconds(10));
        b.awaitText("#log", "listening on 127.0.0.1:", Duration.ofSeconds(30));
        b.awaitText("#task-state", "running", Duration.ofSeconds(20));
        b.awaitText("#log-status", "Following", Duration.ofSeconds(20));
        b.open(c.server.url() + "/#/services/webapp/staging"); // and its allocation, from its id
        b.awaitText("#main table.instances", "healthy", Duration.ofSeconds(30));
        b.click("table.instances tr[data-state='healthy'] a.allocation", Duration.ofSeconds(10));
        b.awaitText("#allocation", "role team-a", Duration.ofSeconds(20));
        b.awaitText("#task-list", "running", Duration.ofSeconds(20));
    }

    /** The task's sandbox (its working directory) on agent m1, once the task runs. */
    private Path awaitSandbox(String task) {
        await().atMost(Duration.ofSeconds(30)).until(() -> "RUNNING".equals(c.taskInfo(task).path("state").asText()));
        return c.root.resolve("agent-m1").resolve("tasks").resolve(task).resolve("sandbox");
    }

    @Test
    void a_monitors_gates_are_charted_with_their_verdicts() throws Exception {
        String id = c.callAs(teamA, "POST", "/v1/services/webapp/staging/monitors",
                "{\"gates\":[\"memory < 512m\",\"restarts <= 1\"],\"duration\":\"6s\",\"interval\":\"1s\"}").path("id").asText();
        b.signIn(c.server.url(), teamA);
        b.open(c.server.url() + "/#/monitors/" + id);
        b.awaitText("#monitor", "pass", Duration.ofSeconds(60));
        List<WebElement> charts = b.driver.findElements(By.cssSelector("#monitor section.gate svg.chart"));
        assertThat(charts).hasSize(2);
        b.awaitTrue(() -> b.driver.findElements(By.cssSelector("#monitor section.gate svg.chart circle.pass")).size() >= 4, Duration.ofSeconds(30));
        assertThat(charts.get(0).getText()).contains("bound").contains("time since"); // axes and the bound are labelled
        b.screenshot("monitor");
    }

    @Test
    void a_service_is_deleted_from_its_page_in_two_clicks() throws Exception {
        awaitEnd(deploy(teamB, "billing", "doomed", "{\"packageDigest\":\"" + v1 + "\",\"instances\":1" + FAST + "}"));
        b.signIn(c.server.url(), teamB);
        b.open(c.server.url() + "/#/services/billing/doomed");
        b.awaitTrue(() -> b.find("#delete").isDisplayed(), Duration.ofSeconds(20));
        assertThat(b.find("#delete-confirm").isDisplayed()).as("nothing is deleted in one click").isFalse();
        b.click("#delete", Duration.ofSeconds(20));
        b.awaitTrue(() -> b.find("#delete-confirm").isDisplayed(), Duration.ofSeconds(10));
        assertThat(b.text("#delete-confirm")).contains("billing/doomed");
        b.screenshot("service-delete");
        b.click("#delete-confirm", Duration.ofSeconds(20));
        b.awaitTrue(() -> b.driver.getCurrentUrl().endsWith("#/services"), Duration.ofSeconds(20));
        await().atMost(Duration.ofSeconds(60)).until(() -> gone(teamB, "/v1/services/billing/doomed"));
        b.awaitTrue(() -> b.driver.findElements(By.cssSelector("#services tr[data-service='billing/doomed']")).isEmpty()
                && !b.driver.findElements(By.cssSelector("#services tr[data-service='billing/prod']")).isEmpty(), Duration.ofSeconds(40));
    }

    @Test
    void a_service_is_restarted_from_its_page_in_two_clicks_and_its_revision_says_so() throws Exception {
        awaitEnd(deploy(teamB, "billing", "restarted", "{\"packageDigest\":\"" + v1 + "\",\"instances\":1" + FAST + "}"));
        String before = c.call("GET", "/v1/services/billing/restarted/instances", null).get(0).path("id").asText();
        b.signIn(c.server.url(), teamB);
        b.open(c.server.url() + "/#/services/billing/restarted");
        b.awaitTrue(() -> b.find("#restart").isDisplayed(), Duration.ofSeconds(20));
        assertThat(b.find("#restart-confirm").isDisplayed()).as("nothing is restarted in one click").isFalse();
        b.click("#restart", Duration.ofSeconds(20));
        b.awaitTrue(() -> b.find("#restart-confirm").isDisplayed(), Duration.ofSeconds(10));
        assertThat(b.text("#restart-confirm")).contains("replace every instance by a fresh one of r1");
        b.click("#restart-confirm", Duration.ofSeconds(20));
        b.awaitTrue(() -> b.driver.getCurrentUrl().contains("#/deployments/"), Duration.ofSeconds(20)); // the page follows the restart
        b.awaitText("#state", "succeeded", Duration.ofSeconds(60));
        b.open(c.server.url() + "/#/services/billing/restarted");
        b.awaitText("#revisions", "restart of r1", Duration.ofSeconds(20));
        JsonNode live = c.call("GET", "/v1/services/billing/restarted/instances", null);
        List<String> fresh = new java.util.ArrayList<>();
        live.forEach(i -> {
            if (i.path("revision").asInt() == 2 && i.path("state").asText().equals("HEALTHY")) {
                fresh.add(i.path("id").asText());
            }
        });
        assertThat(fresh).hasSize(1).doesNotContain(before);
        c.callAs(teamB, "DELETE", "/v1/services/billing/restarted", null); // its room back for the other tests
        await().atMost(Duration.ofSeconds(60)).until(() -> gone(teamB, "/v1/services/billing/restarted"));
    }

    @Test
    void one_instance_is_restarted_from_its_row_in_two_clicks_a_fresh_one_beside_it_first() throws Exception {
        awaitEnd(deploy(teamB, "billing", "onerow", "{\"packageDigest\":\"" + v1 + "\",\"instances\":1" + FAST + "}"));
        String id = c.call("GET", "/v1/services/billing/onerow/instances", null).get(0).path("id").asText();
        b.signIn(c.server.url(), teamB);
        b.open(c.server.url() + "/#/services/billing/onerow");
        String button = "button.restart-instance[data-instance='" + id + "']";
        b.awaitTrue(() -> b.find(button).isDisplayed(), Duration.ofSeconds(20));
        b.find(button).click();
        assertThat(b.text(button)).as("nothing is restarted in one click").contains("Start a fresh one, then stop this one");
        assertThat(c.call("GET", "/v1/services/billing/onerow/instances", null).get(0).path("reason").asText()).doesNotStartWith("restarted by");
        b.find(button).click();
        // the page shows the fresh one taking over, and the old one stopped, without a reload
        b.awaitText("table.instances", "took over from " + id + ", restarted", Duration.ofSeconds(60));
        b.awaitTrue(() -> b.driver.findElements(By.cssSelector("table.instances tr[data-instance='" + id + "'][data-state='stopped']")).size() == 1,
                Duration.ofSeconds(60));
        assertThat(c.call("GET", "/v1/services/billing/onerow/revisions", null).size()).as("no new revision").isEqualTo(1);
        c.callAs(teamB, "DELETE", "/v1/services/billing/onerow", null); // its room back for the other tests
        await().atMost(Duration.ofSeconds(60)).until(() -> gone(teamB, "/v1/services/billing/onerow"));
    }

    @Test
    void a_services_secrets_are_shown_by_name_version_and_use_never_by_value() throws Exception {
        c.callAs(teamB, "PUT", "/v1/services/billing/vault/secrets/api-key", "{\"value\":\"first-s3cr3t-value\"}");
        c.callAs(teamB, "PUT", "/v1/services/billing/vault/secrets/api-key", "{\"value\":\"second-s3cr3t-value\"}"); // version 2
        c.callAs(teamB, "PUT", "/v1/services/billing/vault/secrets/unused", "{\"value\":\"third-s3cr3t-value\"}");
        awaitEnd(deploy(teamB, "billing", "vault", "{\"packageDigest\":\"" + v1 + "\",\"instances\":1,\"secrets\":[\"api-key\"]" + FAST + "}"));
        try {
            b.signIn(c.server.url(), teamB);
            b.open(c.server.url() + "/#/services/billing/vault");
            String used = b.awaitTextOf("#secrets tr[data-secret='api-key']", "v2", Duration.ofSeconds(20));
            assertThat(used).contains("role team-b").contains("r1");
            assertThat(b.text("#secrets tr[data-secret='unused']")).contains("v1").contains("—");
            assertThat(b.text("#revisions")).as("the revision names the version it runs with").contains("api-key v2");
            assertThat(b.driver.getPageSource()).doesNotContain("s3cr3t");
            b.screenshot("service-secrets");
        } finally { // the other tests count the cluster's use: this service goes
            c.callAs(teamB, "DELETE", "/v1/services/billing/vault", null);
            await().atMost(Duration.ofSeconds(60)).until(() -> gone(teamB, "/v1/services/billing/vault"));
        }
    }

    private boolean gone(String token, String path) {
        try {
            c.callAs(token, "GET", path, null);
            return false;
        } catch (IllegalStateException e) {
            return e.getMessage().contains(" -> 404 ");
        }
    }

    @Test
    void a_roles_token_sees_its_own_services_only() throws Exception {
        b.signIn(c.server.url(), teamB);
        assertThat(b.text("#who")).isEqualTo("role team-b");
        b.open(c.server.url() + "/#/services");
        b.awaitText("#services tr[data-service='billing/prod']", "billing/prod", Duration.ofSeconds(20));
        assertThat(b.text("#services")).doesNotContain("webapp/staging");
        b.screenshot("services-team-b");
        b.open(c.server.url() + "/#/services/webapp/staging"); // typed by hand: the API says no, and so does the page
        b.awaitText("#problem", "webapp/staging", Duration.ofSeconds(20));
        assertThat(b.text("main")).doesNotContain("https://ci/job/webapp/1/");
        b.open(c.server.url() + "/#/roles");
        b.awaitText("#roles tr[data-role='team-b']", "team-b", Duration.ofSeconds(20));
        assertThat(b.text("#roles")).doesNotContain("team-a");
    }
}
