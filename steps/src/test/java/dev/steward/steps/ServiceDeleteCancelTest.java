package dev.steward.steps;

import dev.steward.allocator.Server;
import dev.steward.allocator.ServerConfig;
import dev.steward.api.AgentRegistration;
import dev.steward.api.DeployRequest;
import dev.steward.client.StewardClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A deleteService step stopped while it waits (the build aborted): its wait ends, and the query it
 * had parked on the allocator leaves at once instead of holding its place until its wait ran out.
 */
class ServiceDeleteCancelTest {
    private Path dir;
    private Server server;

    @BeforeEach
    void start() throws Exception {
        dir = Files.createTempDirectory("steward-steps-cancel");
        // an agent that never answers: the instances it was given never stop, so the delete waits (its grace is long)
        server = Server.start(ServerConfig.of(dir).withHeartbeatGrace(Duration.ofMinutes(10)));
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        try (var all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @Test
    void a_cancelled_wait_for_a_delete_takes_its_parked_query_with_it() throws Exception {
        StewardClient admin = StewardClient.builder(server.url()).token(server.adminToken()).retryBudget(Duration.ofSeconds(5)).build();
        StewardClient.builder(server.url()).token(server.joinToken()).build()
                .register(new AgentRegistration("m1", "4", "4g", null, null, null, null, "21000-21100", null));
        Path tree = Files.createDirectories(dir.resolve("tree"));
        Files.writeString(tree.resolve("run.sh"), "sleep 3600");
        Path file = dir.resolve("web.tar.zst");
        String digest = dev.steward.pkg.PackageBuilder.from(tree).manifest(new dev.steward.api.PackageManifest(null, "web", "v1", "sh run.sh", null,
                List.of(), null, null, null)).writeTo(file).digest();
        admin.packages().push(file, digest);
        admin.deployments().deploy("web", "pr-9", DeployRequest.of(digest, 2, null));
        await().atMost(Duration.ofSeconds(10)).until(() -> admin.deployments().instances("web", "pr-9").stream().allMatch(i -> i.allocationId() != null));
        assertThat(server.engine().parkedQueries()).as("no other watch").isZero();

        Recorder log = new Recorder();
        ServiceDelete del = ServiceDelete.start(admin, "web", "pr-9", true, log);
        Clock clock = Clock.systemUTC();
        CompletableFuture<Boolean> gone = del.awaitGoneAsync(clock.instant().plus(Duration.ofMinutes(5)), clock);
        await().atMost(Duration.ofSeconds(10)).until(() -> server.engine().parkedQueries() == 1);
        assertThat(gone).isNotDone();

        gone.cancel(true); // as the step's stop() does
        // before, the cancel stopped at the step's own future: the watch went on, and its query stayed parked for up to 30 s, re-parked after
        await("the parked query gone with the step").atMost(Duration.ofSeconds(5)).until(() -> server.engine().parkedQueries() == 0);
        assertThat(admin.deployments().service("web", "pr-9").stopping()).as("still being deleted: the wait was all that ended").isEqualTo(2);
    }
}
