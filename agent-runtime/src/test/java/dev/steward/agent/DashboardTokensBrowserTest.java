package dev.steward.agent;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard's token list in a real browser: the admin sees every token by id, never a value,
 * with its last use and where from, a rotated one marked with its replacement and a join token
 * with what it joined; a role's session has no such page.
 */
class DashboardTokensBrowserTest extends ClusterBrowserTest {

    @Test
    void the_admin_sees_every_token_with_its_last_use_and_a_role_does_not_see_the_page() throws Exception {
        Browser.assumeAvailable();
        c = new Cluster(Duration.ofMinutes(5));
        String admin = c.server.adminToken();
        c.callAs(admin, "PUT", "/v1/roles/ci", "{\"weight\":1}");
        JsonNode used = c.callAs(admin, "POST", "/v1/roles/ci/tokens", "{\"description\":\"jenkins controller\"}");
        JsonNode idle = c.callAs(admin, "POST", "/v1/roles/ci/tokens", "{\"description\":\"forgotten laptop\"}");
        c.callAs(used.path("token").asText(), "GET", "/v1/requests", null);
        JsonNode rotated = c.callAs(admin, "POST", "/v1/tokens/" + idle.path("id").asText() + "/rotate", "{\"grace\":\"1h\"}");
        JsonNode join = c.callAs(admin, "POST", "/v1/join-tokens", "{\"uses\":2,\"description\":\"rack 7\"}");
        c.callAs(join.path("token").asText(), "POST", "/v1/agents", "{\"name\":\"m7\",\"cpus\":\"1\",\"memory\":\"1g\"}");

        b = new Browser();
        b.signIn(c.server.url(), admin);
        b.click("#nav-tokens", Duration.ofSeconds(20));
        String usedRow = b.awaitTextOf("#tokens tr[data-token='" + used.path("id").asText() + "']", "jenkins controller", Duration.ofSeconds(20));
        assertThat(usedRow).contains("role").contains("ci").contains("from 127.0.0.1").doesNotContain(used.path("token").asText());
        assertThat(b.awaitTextOf("#tokens tr[data-token='" + idle.path("id").asText() + "']", "forgotten laptop", Duration.ofSeconds(20)))
                .contains("never").contains("rotated: " + rotated.path("id").asText());
        assertThat(b.awaitTextOf("#tokens tr[data-token='" + join.path("id").asText() + "']", "rack 7", Duration.ofSeconds(20)))
                .contains("1 more agent").contains("joined m7 from 127.0.0.1");
        assertThat(b.text("body")).as("no token's value is on the page").doesNotContain(idle.path("token").asText())
                .doesNotContain(rotated.path("token").asText()).doesNotContain(join.path("token").asText());
        b.screenshot("tokens");

        b.find("#signout").click();
        b.signIn(c.server.url(), used.path("token").asText());
        assertThat(b.driver.findElement(By.id("nav-tokens")).isDisplayed()).as("a role's session has no tokens page").isFalse();
    }
}
