package dev.steward.allocator.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/** docs/openapi.yaml against the real routes and the real wire types: neither may drift from the other. */
class OpenApiTest {
    private static JsonNode doc;
    private static LiveServer s;

    @BeforeAll
    static void read() throws Exception {
        doc = new ObjectMapper(new YAMLFactory()).readTree(Path.of("..", "docs", "openapi.yaml").toFile());
        s = new LiveServer();
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    @Test
    void every_route_is_documented_and_every_documented_route_exists() {
        Set<String> documented = new TreeSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = doc.path("paths").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> p = it.next();
            p.getValue().fieldNames().forEachRemaining(m -> {
                if (!m.equals("parameters")) {
                    documented.add(m.toUpperCase() + " " + p.getKey());
                }
            });
        }
        Set<String> served = new TreeSet<>();
        s.server.api().routes().forEach(r -> served.add(r.method() + " " + r.template()));
        assertThat(documented).isEqualTo(served);
    }

    @Test
    void only_routes_documented_without_security_answer_without_a_token() {
        for (Route r : s.server.api().routes()) {
            JsonNode op = doc.path("paths").path(r.template()).path(r.method().toLowerCase());
            boolean publicDoc = op.has("security") && op.path("security").isEmpty();
            assertThat(publicDoc).as("%s %s", r.method(), r.template()).isEqualTo(r.allowed().isEmpty());
        }
    }

    @Test
    void every_documented_schema_of_a_wire_type_has_exactly_its_fields() throws Exception {
        int checked = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = doc.path("components").path("schemas").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            Class<?> type = wireType(e.getKey());
            if (type == null) {
                continue;
            }
            Set<String> fields = new TreeSet<>();
            Arrays.stream(type.getRecordComponents()).forEach(c -> fields.add(c.getName()));
            Set<String> documented = new TreeSet<>();
            e.getValue().path("properties").fieldNames().forEachRemaining(documented::add);
            assertThat(documented).as("schema %s vs %s", e.getKey(), type.getName()).isEqualTo(fields);
            checked++;
        }
        assertThat(checked).isGreaterThanOrEqualTo(15);
    }

    private static Class<?> wireType(String name) {
        for (String candidate : new String[] {"dev.steward.api." + name, "dev.steward.api.AgentRegistration$" + name}) {
            try {
                Class<?> c = Class.forName(candidate);
                return c.isRecord() ? c : null;
            } catch (ClassNotFoundException ignored) {
                // try the next
            }
        }
        return null;
    }
}
