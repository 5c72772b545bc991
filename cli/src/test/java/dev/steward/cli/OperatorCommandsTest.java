package dev.steward.cli;

import dev.steward.allocator.Server;
import dev.steward.allocator.ServerConfig;
import dev.steward.api.AgentJoined;
import dev.steward.api.AgentRegistration;
import dev.steward.api.AllocateRequest;
import dev.steward.api.RequestInfo;
import dev.steward.api.RequestState;
import dev.steward.api.RoleInfo;
import dev.steward.client.StewardClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The operator's commands against a real allocator: steward agents (drain, enable by name),
 * steward requests (list, cancel), steward roles (set only what is given, list).
 */
class OperatorCommandsTest {
    @TempDir
    Path dir;

    private static CliRun run(String... args) {
        return CliRun.of(args);
    }


    @Test
    void anAgentDrainedAndEnabledByNameAndARequestCancelled() throws Exception {
        try (Server s = Server.start(ServerConfig.of(dir.resolve("a")).withHeartbeatGrace(java.time.Duration.ofMinutes(5)))) {
            StewardClient admin = StewardClient.builder(s.url()).token(s.adminToken()).build();
            AgentJoined m1 = StewardClient.builder(s.url()).token(s.joinToken()).build()
                    .register(new AgentRegistration("m1", "4", "4g", null, null, null, null, "21000-21100",
                            java.util.Map.of("address", "http://10.9.8.7:4747")));
            CliRun listed = run(CliRun.with(s, "agents"));
            assertThat(listed.code()).isZero();
            assertThat(listed.out()).contains("m1").contains(m1.agent().id()).contains("READY").contains("0/4").contains("HOST");
            assertThat(listed.out()).as("where its tasks' ports answer").contains(" 10.9.8.7 ");

            CliRun drained = run(CliRun.with(s, "agents", "drain", "m1"));
            assertThat(drained.code()).as(drained.err()).isZero();
            assertThat(drained.out()).contains("agent m1 (" + m1.agent().id() + ") is draining: no new allocation goes there; it holds nothing");
            RequestInfo waiting = admin.submit(AllocateRequest.of("1", "1g", 1));
            assertThat(waiting.state()).isEqualTo(RequestState.PENDING);
            CliRun pending = run(CliRun.with(s, "requests", "--state", "pending"));
            assertThat(pending.out()).contains(waiting.id()).contains("pending").contains("0/1").contains("1 draining");

            CliRun deadline = run(CliRun.with(s, "agents", "drain", "m1", "--deadline", "1h"));
            assertThat(deadline.code()).as(deadline.err()).isZero();
            assertThat(deadline.out()).contains("what is still there at ").contains(" ends then");
            assertThat(run(CliRun.with(s, "agents")).out()).contains("drain deadline ");
            assertThat(run(CliRun.with(s, "agents", "enable", m1.agent().id())).code()).as("by id too").isZero();
            assertThat(admin.request(waiting.id(), 0, null).value().state()).as("placed once the agent is back").isEqualTo(RequestState.PLACED);
            String placed = run(CliRun.with(s, "requests", "--state", "placed")).out();
            assertThat(placed.lines().filter(l -> l.startsWith(waiting.id()))).singleElement().asString().containsPattern("placed +1/1 +1 ");
            admin.release(admin.request(waiting.id(), 0, null).value().allocations().get(0));
            assertThat(run(CliRun.with(s, "requests", "--state", "placed")).out().lines().filter(l -> l.startsWith(waiting.id())))
                    .as("still placed, nothing of it live").singleElement().asString().containsPattern("placed +1/1 +0 ");
            RequestInfo big = admin.submit(AllocateRequest.of("8", "1g", 1));
            assertThat(big.state()).isEqualTo(RequestState.PENDING);

            CliRun cancelled = run(CliRun.with(s, "requests", "cancel", big.id(), "nosuchrequest"));
            assertThat(cancelled.code()).as("one of the two was not there").isEqualTo(1);
            assertThat(cancelled.out()).contains("cancelled request " + big.id() + " (default)");
            assertThat(cancelled.err()).contains("nosuchrequest: no request 'nosuchrequest' (404)");
            assertThat(admin.request(big.id(), 0, null).value().state()).isEqualTo(RequestState.CANCELLED);
            CliRun none = run(CliRun.with(s, "agents", "drain", "m9"));
            assertThat(none.code()).isEqualTo(1);
            assertThat(none.err()).contains("no agent named or with the id 'm9' (1 agent known");
        }
    }

    @Test
    void aLostAgentIsForgottenByNameAndALiveOneIsRefusedSayingWhatToDo() throws Exception {
        try (Server s = Server.start(ServerConfig.of(dir.resolve("f")).withHeartbeatGrace(java.time.Duration.ofSeconds(2)))) {
            StewardClient join = StewardClient.builder(s.url()).token(s.joinToken()).build();
            AgentJoined live = join.register(new AgentRegistration("live", "4", "4g", null, null, null, null, "21000-21100", null));
            AgentJoined gone = join.register(new AgentRegistration("gone", "4", "4g", null, null, null, null, "21200-21300", null));
            StewardClient liveAgent = StewardClient.builder(s.url()).token(live.token()).build();
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> {
                liveAgent.call("PUT", "/v1/agents/" + live.agent().id() + "/heartbeat", java.util.Map.of(), Object.class, false);
                return run(CliRun.with(s, "agents")).out().lines().anyMatch(l -> l.startsWith("gone") && l.contains("LOST"));
            });
            // beaten just now: ready whatever a slow machine did to the beats above (a lost agent's beat makes it ready again)
            liveAgent.call("PUT", "/v1/agents/" + live.agent().id() + "/heartbeat", java.util.Map.of(), Object.class, false);
            assertThat(run(CliRun.with(s, "agents")).out().lines().filter(l -> l.startsWith("gone"))).singleElement().asString()
                    .as("what to do with it, and since when").contains("no heartbeat since 20").contains("'steward agents forget gone' if the machine is gone");
            CliRun refused = run(CliRun.with(s, "agents", "forget", "live"));
            assertThat(refused.code()).isEqualTo(1);
            assertThat(refused.err()).contains("agent live (" + live.agent().id() + ") is READY, not lost").contains("steward agents drain live");
            CliRun forgot = run(CliRun.with(s, "agents", "forget", "gone"));
            assertThat(forgot.code()).as(forgot.err()).isZero();
            assertThat(forgot.out()).contains("forgot agent gone (" + gone.agent().id() + ")");
            assertThat(run(CliRun.with(s, "agents")).out()).doesNotContain("gone").contains("live");
            assertThat(run(CliRun.with(s, "agents", "forget", "gone")).err()).contains("no agent named or with the id 'gone'");
        }
    }

    @Test
    void anAgentWhoseDiskIsNearlyFullIsListedSayingHowMuchIsFreeAndThatNothingNewGoesThere() throws Exception {
        try (Server s = Server.start(ServerConfig.of(dir.resolve("d")).withHeartbeatGrace(java.time.Duration.ofMinutes(5)))) {
            AgentJoined full = StewardClient.builder(s.url()).token(s.joinToken()).build()
                    .register(new AgentRegistration("full", "4", "4g", null, null, null, null, "21000-21100", null));
            StewardClient agent = StewardClient.builder(s.url()).token(full.token()).build();
            agent.call("PUT", "/v1/agents/" + full.agent().id() + "/heartbeat",
                    java.util.Map.of("usage", java.util.Map.of("diskFreeMib", 300, "diskPressureMib", 1024)), Object.class, false);
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).untilAsserted(() -> // the beat is folded in at the next tick
                    assertThat(run(CliRun.with(s, "agents")).out().lines().filter(l -> l.startsWith("full"))).singleElement().asString()
                            .contains("disk nearly full: 300m free, below its 1g (disk-pressure-free): nothing new is placed there"));
            String status = run(CliRun.with(s, "status")).out();
            assertThat(status).contains("1 agent ready, 0 lost, 0 draining, 1 with a disk nearly full;");
            assertThat(status.lines().filter(l -> l.startsWith("full"))).singleElement().asString().contains("disk nearly full: 300m free");
            agent.call("PUT", "/v1/agents/" + full.agent().id() + "/heartbeat",
                    java.util.Map.of("usage", java.util.Map.of("diskFreeMib", 3000, "diskPressureMib", 1024)), Object.class, false);
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> !run(CliRun.with(s, "agents")).out().contains("nearly full"));
        }
    }

    @Test
    void anAgentWhoseTlsCertificateEndsWithinAMonthIsListedSayingWhenAndHowToRenewIt() throws Exception {
        try (Server s = Server.start(ServerConfig.of(dir.resolve("c")).withHeartbeatGrace(java.time.Duration.ofMinutes(5)))) {
            StewardClient join = StewardClient.builder(s.url()).token(s.joinToken()).build();
            AgentJoined soon = join.register(new AgentRegistration("soon", "4", "4g", null, null, null, null, "21000-21100", null));
            AgentJoined later = join.register(new AgentRegistration("later", "4", "4g", null, null, null, null, "21200-21300", null));
            long in12Days = java.time.Instant.now().plus(java.time.Duration.ofDays(12)).plusSeconds(60).getEpochSecond();
            long in90Days = java.time.Instant.now().plus(java.time.Duration.ofDays(90)).getEpochSecond();
            StewardClient.builder(s.url()).token(soon.token()).build().call("PUT", "/v1/agents/" + soon.agent().id() + "/heartbeat",
                    java.util.Map.of("usage", java.util.Map.of("tlsNotAfter", in12Days)), Object.class, false);
            StewardClient.builder(s.url()).token(later.token()).build().call("PUT", "/v1/agents/" + later.agent().id() + "/heartbeat",
                    java.util.Map.of("usage", java.util.Map.of("tlsNotAfter", in90Days)), Object.class, false);
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).untilAsserted(() -> // the beat is folded in at the next tick
                    assertThat(run(CliRun.with(s, "agents")).out().lines().filter(l -> l.startsWith("soon"))).singleElement().asString()
                            .contains("TLS certificate ends at " + java.time.Instant.ofEpochSecond(in12Days) + " (in 12 days): renew it "
                                    + "('steward tls cert create') and write it over the old files (read again within 10 s, no restart)"));
            assertThat(run(CliRun.with(s, "agents")).out().lines().filter(l -> l.startsWith("later"))).singleElement().asString()
                    .doesNotContain("certificate");
            String status = run(CliRun.with(s, "status")).out();
            assertThat(status).contains("2 agents ready, 0 lost, 0 draining, 1 with a TLS certificate ending within 30 days;");
            assertThat(status.lines().filter(l -> l.startsWith("soon"))).singleElement().asString().contains("TLS certificate ends at");
        }
    }

    @Test
    void statusSaysWhenTheAllocatorsOwnTlsCertificateEndsWithinAMonth() throws Exception {
        Path certs = java.nio.file.Files.createDirectories(dir.resolve("certs"));
        dev.steward.tls.CertificateAuthority ca = dev.steward.tls.CertificateAuthority.create("test cluster", java.time.Duration.ofDays(400),
                java.time.Clock.systemUTC());
        ca.ca().write(certs, "ca");
        java.time.Instant minted = java.time.Instant.now();
        ca.issue(dev.steward.tls.CertificateAuthority.Kind.SERVER, java.util.List.of("127.0.0.1"), minted, java.time.Duration.ofDays(12).plusHours(1))
                .write(certs, "server");
        dev.steward.tls.TlsFiles files = new dev.steward.tls.TlsFiles(certs.resolve("ca.pem"), certs.resolve("server.pem"), certs.resolve("server-key.pem"));
        java.time.Instant ends = files.leaf().getNotAfter().toInstant();
        ca.issue(dev.steward.tls.CertificateAuthority.Kind.CLIENT, java.util.List.of("ci"), minted, java.time.Duration.ofDays(5).plusHours(1))
                .write(certs, "client");
        try (Server s = Server.start(ServerConfig.of(dir.resolve("t")).withTls(new dev.steward.allocator.http.ServerTls(files, false)))) {
            CliRun status = run(CliRun.with(s, "status", "--ca-cert", certs.resolve("ca.pem").toString()));
            assertThat(status.code()).as(status.err()).isZero();
            assertThat(status.out().lines().skip(1).findFirst().orElseThrow()).isEqualTo("the allocator's TLS certificate ends at " + ends
                    + " (in 12 days): renew it ('steward tls cert create') and write it over the old files (read again within 10 s, no restart)");
            assertThat(status.err()).doesNotContain("warning");
            // the command's own client certificate, ending within a month: said at each command, before it stops working
            CliRun withClient = run(CliRun.with(s, "status", "--ca-cert", certs.resolve("ca.pem").toString(),
                    "--client-cert", certs.resolve("client.pem").toString(), "--client-key", certs.resolve("client-key.pem").toString()));
            assertThat(withClient.code()).as(withClient.err()).isZero();
            assertThat(withClient.err()).contains("warning: the TLS certificate " + certs.resolve("client.pem") + " (CN=ci) expires at ")
                    .contains(", in 5 days: then every party that checks it refuses the connection");
        }
        try (Server plain = Server.start(ServerConfig.of(dir.resolve("p")))) {
            assertThat(run(CliRun.with(plain, "status")).out()).doesNotContain("certificate");
        }
    }

    @Test
    void aDrainWaitedForEndsOnceTheAgentIsEmptyOrSaysWhatIsLeftWhenTheWaitRunsOut() throws Exception {
        try (Server s = Server.start(ServerConfig.of(dir.resolve("w")).withHeartbeatGrace(java.time.Duration.ofMinutes(5)))) {
            StewardClient admin = StewardClient.builder(s.url()).token(s.adminToken()).build();
            AgentJoined m1 = StewardClient.builder(s.url()).token(s.joinToken()).build()
                    .register(new AgentRegistration("m1", "4", "4g", null, null, null, null, "21000-21100", null));
            RequestInfo one = admin.submit(AllocateRequest.of("1", "1g", 1));
            RequestInfo two = admin.submit(AllocateRequest.of("1", "1g", 1));
            String first = one.allocations().get(0);
            String second = two.allocations().get(0);

            CliRun timedOut = run(CliRun.with(s, "agents", "drain", "m1", "--wait", "--wait-timeout", "2s"));
            assertThat(timedOut.code()).as(timedOut.err()).isEqualTo(1);
            assertThat(timedOut.out()).contains("is draining: no new allocation goes there; it holds 2 cpus and 2g of memory: services' instances "
                            + "there move elsewhere").contains("2 allocations left on m1: ")
                    .contains(first + " (LEAVING, role default)").contains(second + " (LEAVING, role default)")
                    .contains("still not empty after 2s");

            java.util.concurrent.CompletableFuture<CliRun> waited = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> run(CliRun.with(s, "agents", "drain", "m1", "--wait", "--wait-timeout", "60s")));
            admin.release(first);
            admin.release(second);
            CliRun done = waited.get(90, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(done.code()).as(done.out() + done.err()).isZero();
            assertThat(done.out()).contains("agent m1 (" + m1.agent().id() + ") is empty").contains("steward agents enable m1");

            CliRun alone = run(CliRun.with(s, "agents", "drain", "m1", "--wait-timeout", "1m"));
            assertThat(alone.code()).isNotZero();
            assertThat(alone.err()).contains("--wait-timeout goes with --wait");
        }
    }

    @Test
    void rolesSetChangesOnlyWhatIsGiven() throws Exception {
        try (Server s = Server.start(ServerConfig.of(dir.resolve("b")))) {
            StewardClient admin = StewardClient.builder(s.url()).token(s.adminToken()).build();
            CliRun created = run(CliRun.with(s, "roles", "set", "ci", "--weight", "2", "--guarantee", "cpus=1,memory=1g", "--limit", "cpus=12,memory=48g,fpga=2"));
            assertThat(created.code()).as(created.err()).isZero();
            assertThat(created.out()).contains("role ci created: weight 2.0, guarantee cpus=1,memory=1g, limit cpus=12,memory=48g,fpga=2");
            assertThat(run(CliRun.with(s, "roles", "set", "ci", "--weight", "3")).code()).isZero();
            RoleInfo ci = admin.roles().stream().filter(r -> r.name().equals("ci")).findFirst().orElseThrow();
            assertThat(ci.weight()).isEqualTo(3.0);
            assertThat(ci.guarantee().cpus()).isEqualTo("1");
            assertThat(ci.limit().cpus()).isEqualTo("12");
            assertThat(ci.limit().scalars()).containsEntry("fpga", 2L);

            assertThat(run(CliRun.with(s, "roles", "set", "ci", "--limit", "none")).out()).contains("limit unlimited").contains("guarantee cpus=1,memory=1g");
            assertThat(run(CliRun.with(s, "roles", "set", "ci", "--max-priority", "100")).out()).endsWith("limit unlimited, priority at most 100\n");
            assertThat(run(CliRun.with(s, "roles", "set", "ci", "--weight", "2")).out()).as("kept").contains("priority at most 100");
            assertThat(run(CliRun.with(s, "roles")).out()).containsPattern("\\nci +2\\.0 +cpus=1,memory=1g +unlimited +100 +0 ")
                    .containsPattern("\\ndefault +1\\.0 +none +unlimited +1000 +0 ");
            assertThat(run(CliRun.with(s, "roles")).out()).contains("ci").contains("default");
            CliRun bad = run(CliRun.with(s, "roles", "set", "ci", "--limit", "cpus=x"));
            assertThat(bad.code()).isEqualTo(1);
            assertThat(bad.err()).contains("limit.cpus");
            CliRun usage = run(CliRun.with(s, "roles", "set", "ci", "--limit", "cpus"));
            assertThat(usage.code()).isEqualTo(2);
            assertThat(usage.err()).contains("is not NAME=AMOUNT");

            // a limit set below what the role holds: taken, and said, since nothing more is placed for it
            StewardClient.builder(s.url()).token(s.joinToken()).build()
                    .register(new AgentRegistration("m1", "4", "4g", null, null, null, null, "21000-21100", null));
            String token = admin.createToken("ci", "test", null).token();
            StewardClient ci2 = StewardClient.builder(s.url()).token(token).build();
            assertThat(ci2.submit(dev.steward.api.AllocateRequest.of("1", "64m", 1)).state()).isEqualTo(dev.steward.api.RequestState.PLACED);
            CliRun lower = run(CliRun.with(s, "roles", "set", "ci", "--guarantee", "none", "--limit", "cpus=0.5,fpga=2"));
            assertThat(lower.code()).as(lower.err()).isZero();
            assertThat(lower.err()).contains("role ci holds cpus=1, above its limit of 0.5: what runs keeps running");
            CliRun within = run(CliRun.with(s, "roles", "set", "ci", "--limit", "cpus=1,fpga=2"));
            assertThat(within.err()).as("at its limit is not above it, and an unlimited memory or a scalar it holds none of says nothing").isEmpty();
        }
    }

    @Test
    void packagesListedWithTheirTotalAndLetGoOfUnlessTheyRun() throws Exception {
        try (Server s = Server.start(ServerConfig.of(dir.resolve("p")))) {
            StewardClient admin = StewardClient.builder(s.url()).token(s.adminToken()).build();
            Path tree = java.nio.file.Files.createDirectories(dir.resolve("tree"));
            java.nio.file.Files.writeString(tree.resolve("run.sh"), "sleep 3600");
            Path file = dir.resolve("web.tar.zst");
            String d = dev.steward.pkg.PackageBuilder.from(tree).manifest(new dev.steward.api.PackageManifest(null, "web", "v7", "sh run.sh", null,
                    java.util.List.of(), null, null, null)).writeTo(file).digest();
            admin.packages().push(file, d);
            CliRun listed = run(CliRun.with(s, "packages"));
            assertThat(listed.code()).as(listed.err()).isZero();
            assertThat(listed.out()).contains(dev.steward.api.Digests.shortForm(d)).contains("web").contains("v7").contains("1 package, ").containsPattern("1 package, \\d+(\\.\\d)? (B|KiB) \\(")
                    .contains("--max-package-bytes-per-role");
            admin.deployments().deploy("web", "prod", dev.steward.api.DeployRequest.of(d, 0, null));
            CliRun refused = run(CliRun.with(s, "packages", "delete", d));
            assertThat(refused.code()).isEqualTo(1);
            assertThat(refused.err()).contains("still run by service web/prod (revision 1)");
            admin.deployments().delete("web", "prod");
            CliRun deleted = run(CliRun.with(s, "packages", "delete", d, "sha256:nope"));
            assertThat(deleted.code()).as("one of the two was not a digest").isEqualTo(1);
            assertThat(deleted.out()).contains("let go of " + d + "; its file is removed");
            assertThat(deleted.err()).contains("sha256:nope");
            assertThat(run(CliRun.with(s, "packages")).out()).contains("0 packages");
            CliRun again = run(CliRun.with(s, "packages", "delete", d));
            assertThat(again.code()).as("a package no longer held").isEqualTo(1);
            assertThat(again.err()).contains(d).contains("404");
            CliRun missingOk = run(CliRun.with(s, "packages", "delete", d, "--missing-ok"));
            assertThat(missingOk.code()).as(missingOk.err()).isZero();
            assertThat(missingOk.out()).contains("nothing to let go of").contains(d);
        }
    }
}
