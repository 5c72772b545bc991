package dev.steward.agent;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The agent's id and token, kept in {@code identity.json} (mode 0600) so a restart is the same agent. */
public record Identity(String id, String token) {
    private static final ObjectMapper JSON = Agent.JSON;

    static Identity load(Path dataDir) throws IOException {
        Path f = dataDir.resolve("identity.json");
        return Files.exists(f) ? JSON.readValue(f.toFile(), Identity.class) : null;
    }

    void save(Path dataDir) throws IOException {
        PrivateFiles.write(dataDir.resolve("identity.json"), JSON.writeValueAsBytes(this));
    }
}
