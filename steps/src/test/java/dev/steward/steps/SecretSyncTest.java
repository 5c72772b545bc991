package dev.steward.steps;

import dev.steward.allocator.Server;
import dev.steward.allocator.ServerConfig;
import dev.steward.api.ValidationException;
import dev.steward.client.StewardClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The deploy step's secretCredentials against a real allocator: set before the deploy, the same value kept at its version, no value logged. */
class SecretSyncTest {
    @TempDir
    Path dir;

    @Test
    void lines_name_each_secret_once_with_a_credentials_id() {
        assertThat(SecretSync.parse(List.of("db-password=prod-db", " tls.key = prod-tls "))).containsExactly(Map.entry("db-password", "prod-db"),
                Map.entry("tls.key", "prod-tls"));
        assertThat(SecretSync.parse(null)).isEmpty();
        assertThatThrownBy(() -> SecretSync.parse(List.of("db-password"))).isInstanceOf(ValidationException.class)
                .hasMessageContaining("secretCredentials[0]").hasMessageContaining("NAME=CREDENTIALS_ID");
        assertThatThrownBy(() -> SecretSync.parse(List.of("a=x", "a=y"))).hasMessageContaining("secretCredentials[1]").hasMessageContaining("second time");
        assertThatThrownBy(() -> SecretSync.parse(List.of("../x=y"))).hasMessageContaining("not a valid secret name");
        assertThat(SecretSync.names(List.of("api-key", "db-password"), SecretSync.parse(List.of("db-password=c", "tls=d"))))
                .containsExactly("api-key", "db-password", "tls");
        assertThat(SecretSync.names(null, Map.of())).isNull();
    }

    @Test
    void secrets_are_set_before_the_deploy_and_the_same_value_keeps_its_version() throws Exception {
        try (Server s = Server.start(ServerConfig.of(dir.resolve("data")))) {
            StewardClient admin = StewardClient.builder(s.url()).token(s.adminToken()).build();
            List<String> log = new ArrayList<>();
            Map<String, String> values = new LinkedHashMap<>();
            values.put("db-password", "hunter2-value");
            values.put("tls.key", "key-value");
            SecretSync.set(admin, "web", "prod", null, values, log::add);
            SecretSync.set(admin, "web", "prod", null, values, log::add);
            values.put("db-password", "changed-value");
            SecretSync.set(admin, "web", "prod", null, values, log::add);
            assertThat(log).containsExactly(
                    "steward: secret db-password of web/prod is at version 1", "steward: secret tls.key of web/prod is at version 1",
                    "steward: secret db-password of web/prod is at version 1", "steward: secret tls.key of web/prod is at version 1",
                    "steward: secret db-password of web/prod is at version 2", "steward: secret tls.key of web/prod is at version 1");
            assertThat(String.join("\n", log)).doesNotContain("hunter2").doesNotContain("key-value").doesNotContain("changed-value");
            assertThat(admin.deployments().secrets("web", "prod", null)).extracting(dev.steward.api.SecretInfo::version).containsExactly(2, 1);
        }
    }
}
