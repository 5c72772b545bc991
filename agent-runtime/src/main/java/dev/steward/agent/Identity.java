package dev.steward.agent;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/** The agent's id and token, kept in {@code identity.json} (mode 0600) so a restart is the same agent. */
public record Identity(String id, String token) {
    private static final ObjectMapper JSON = Agent.JSON;

    static Identity load(Path dataDir) throws IOException {
        Path f = dataDir.resolve("identity.json");
        return Files.exists(f) ? JSON.readValue(f.toFile(), Identity.class) : null;
    }

    void save(Path dataDir) throws IOException {
        Path tmp = dataDir.resolve("identity.json.tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        JSON.writeValue(tmp.toFile(), this);
        Files.move(tmp, dataDir.resolve("identity.json"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
