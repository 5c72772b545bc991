package dev.steward.agent;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** docs/agent.md lists every configuration key the agent takes, and the example config it links is one the agent accepts. */
class ConfigDocsTest {
    private static final Path DOCS = Path.of("..", "docs");

    @Test
    void every_key_is_in_the_table_of_docs_agent_md() throws Exception {
        String doc = Files.readString(DOCS.resolve("agent.md"));
        List<String> missing = new ArrayList<>();
        for (String key : AgentConfig.KNOWN.keySet()) {
            if (!doc.contains("| `" + key + "` |")) {
                missing.add(key);
            }
        }
        assertThat(missing).as("keys missing from the table in docs/agent.md").isEmpty();
    }

    @Test
    void the_example_config_loads() throws Exception {
        AgentConfig c = AgentConfig.load(DOCS.resolve("agent.conf.example"), Map.of());
        assertThat(c.name()).isEqualTo("web-07");
        assertThat(c.taskPidsMax()).isEqualTo(4096);
    }
}
