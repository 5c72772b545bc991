package dev.steward.allocator.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steward.allocator.Seeds;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A client's mistake changes nothing that is stored, and is never a 5xx: random sequences of
 * well-formed calls over a real server (requests, cancels, renewals and releases, tasks with
 * secrets and users, their stops and the agents' reports of them, alone and batched, roles with
 * limits and guarantees, drains, deploys, promotions between environments, rollbacks and deployments' pauses,
 * promotions and aborts, tokens minted and revoked, agents' updates), with the ids of
 * what exists, of what has ended, of other tenants' objects and of nothing, from the admin, two
 * tenants and the agents. After every call answered 4xx, the state's index must not have moved:
 * a command refused after it changed something would have written that change (the engine
 * writes what a failing command changed before it threw), and moved it. The ticker is held, so
 * only the calls move it. A failure names its seed ({@code -Dsteward.seed=SEED} replays it).
 */
class RejectionsChangeNothingTest {
    private static final String[] CPUS = {"0.5", "1", "3", "9"};
    private static final String[] MEMORY = {"64m", "1g", "3g", "64g"};
    private static final String[] TTLS = {"1m", "10m", "0s", "90d"};
    private static final String[] STATES = {"STARTING", "RUNNING", "FINISHED", "FAILED", "KILLED", "LOST", "PENDING"};

    private static <T> T pick(Random r, List<T> from, T otherwise) {
        return from.isEmpty() || r.nextInt(5) == 0 ? otherwise : from.get(r.nextInt(from.size()));
    }

    private static <T> T pick(Random r, T[] from) {
        return from[r.nextInt(from.length)];
    }

    @Test
    void a_refused_call_leaves_the_state_where_it_was_over_random_sequences() {
        Seeds.forEach(20, seed -> {
            try (LiveServer s = new LiveServer(c -> c.withoutTicker())) {
                run(s, new Random(seed));
            }
        });
    }

    private static void run(LiveServer s, Random r) {
        String[][] agents = {s.agent("m1", "4", "4g"), s.agent("m2", "2", "2g")};
        assertThat(s.put("/v1/roles/ci", s.admin(), "{\"weight\":2}").code()).isEqualTo(200);
        assertThat(s.put("/v1/roles/farm", s.admin(), "{\"weight\":1}").code()).isEqualTo(200);
        String[] tokens = {s.admin(), s.post("/v1/roles/ci/tokens", s.admin(), "{}").body().path("token").asText(),
                s.post("/v1/roles/farm/tokens", s.admin(), "{}").body().path("token").asText()};
        String digest = s.uploadScript("echo hello; sleep 600");
        String bogusDigest = "sha256:" + "0".repeat(64);
        List<String> requests = new ArrayList<>();
        List<String> allocations = new ArrayList<>();
        List<String[]> tasks = new ArrayList<>(); // {task id, agent id}
        List<String> deployments = new ArrayList<>();
        int refused = 0;
        for (int step = 0; step < 250; step++) {
            String token = pick(r, tokens);
            String method;
            String path;
            String body = null;
            switch (r.nextInt(17)) {
                case 0 -> {
                    method = "POST";
                    path = "/v1/requests";
                    body = "{\"cpus\":\"" + pick(r, CPUS) + "\",\"memory\":\"" + pick(r, MEMORY) + "\",\"count\":" + (1 + r.nextInt(3))
                            + ",\"ttl\":\"" + pick(r, TTLS) + "\",\"priority\":" + r.nextInt(3) + ",\"preemptible\":" + r.nextBoolean() + "}";
                }
                case 1 -> {
                    method = "DELETE";
                    path = "/v1/requests/" + pick(r, requests, "0123456789abcdef");
                }
                case 2 -> {
                    method = "POST";
                    path = "/v1/allocations/" + pick(r, allocations, "0123456789abcdef") + "/renew";
                    body = "{\"ttl\":\"" + pick(r, TTLS) + "\"}";
                }
                case 3 -> {
                    method = "POST";
                    path = "/v1/allocations/" + pick(r, allocations, "0123456789abcdef") + "/release";
                }
                case 4 -> {
                    method = "POST";
                    path = "/v1/allocations/" + pick(r, allocations, "0123456789abcdef") + "/tasks";
                    // names repeat, so a live allocation refuses a second task of the same name
                    body = r.nextBoolean() ? "{\"name\":\"t" + r.nextInt(3) + "\",\"command\":\"/bin/true\""
                            + (r.nextBoolean() ? ",\"secrets\":{\"k" + r.nextInt(2) + "\":\"v\"}" : "") + (r.nextInt(4) == 0 ? ",\"user\":\"nobody\"" : "") + "}"
                            : "{\"name\":\"p" + r.nextInt(3) + "\",\"packageDigest\":\"" + (r.nextBoolean() ? digest : bogusDigest) + "\"}";
                }
                case 5 -> {
                    String[] t = pick(r, tasks, new String[] {"0123456789abcdef", agents[0][0]});
                    String[] agent = r.nextInt(4) == 0 ? agents[1] : (t[1].equals(agents[0][0]) ? agents[0] : agents[1]);
                    token = agent[1];
                    method = "PUT";
                    path = "/v1/agents/" + agent[0] + "/tasks/" + t[0] + "/status";
                    body = "{\"seq\":" + r.nextInt(4) + ",\"state\":\"" + pick(r, STATES) + "\",\"pid\":" + (1000 + r.nextInt(100)) + "}";
                }
                case 6 -> {
                    token = s.admin();
                    method = "PUT";
                    path = "/v1/roles/" + (r.nextBoolean() ? "ci" : r.nextBoolean() ? "farm" : "new" + r.nextInt(3));
                    body = "{\"weight\":" + (r.nextInt(4) - 1) + (r.nextBoolean() ? ",\"limit\":{\"cpus\":\"" + pick(r, CPUS) + "\"}" : "")
                            + (r.nextBoolean() ? ",\"guarantee\":{\"cpus\":\"" + pick(r, CPUS) + "\"}" : "") + "}";
                }
                case 7 -> {
                    method = "POST";
                    path = "/v1/agents/" + (r.nextInt(4) == 0 ? "0123456789abcdef" : pick(r, agents)[0]) + (r.nextBoolean() ? "/drain" : "/enable");
                }
                case 8 -> {
                    method = "PUT";
                    path = "/v1/services/web/" + (r.nextBoolean() ? "staging" : "prod");
                    body = "{\"packageDigest\":\"" + (r.nextInt(4) == 0 ? bogusDigest : digest) + "\",\"instances\":" + (r.nextInt(6) == 0 ? 1000 : r.nextInt(4))
                            + ",\"cpus\":\"" + pick(r, CPUS) + "\",\"memory\":\"64m\"}";
                }
                case 9 -> {
                    method = "POST";
                    path = "/v1/services/web/" + (r.nextBoolean() ? "staging" : "prod") + "/rollback";
                    body = "{\"revision\":" + r.nextInt(4) + "}";
                }
                case 10 -> {
                    method = "POST";
                    path = "/v1/deployments/" + pick(r, deployments, "0123456789abcdef") + "/" + pick(r, new String[] {"pause", "resume", "promote", "abort"});
                }
                case 11 -> {
                    token = s.admin();
                    method = "DELETE";
                    path = "/v1/tokens/" + String.format("%016x", r.nextLong());
                }
                case 13 -> {
                    method = "POST";
                    path = "/v1/tasks/" + pick(r, tasks, new String[] {"0123456789abcdef", ""})[0] + "/stop";
                }
                case 14 -> {
                    String[] agent = pick(r, agents);
                    token = agent[1];
                    method = "POST";
                    path = "/v1/agents/" + agent[0] + "/tasks/statuses";
                    StringBuilder b = new StringBuilder("{\"reports\":[");
                    for (int i = 0, n = 1 + r.nextInt(3); i < n; i++) {
                        b.append(i == 0 ? "" : ",").append("{\"task\":\"").append(pick(r, tasks, new String[] {"0123456789abcdef", ""})[0])
                                .append("\",\"status\":{\"seq\":").append(r.nextInt(5)).append(",\"state\":\"").append(pick(r, STATES)).append("\"}}");
                    }
                    body = b.append("]}").toString();
                }
                case 15 -> {
                    method = "PUT";
                    boolean toProd = r.nextBoolean();
                    path = "/v1/services/web/" + (toProd ? "prod" : "staging");
                    body = "{\"promoteFrom\":\"" + (toProd ? "staging" : "prod") + "\"" + (r.nextBoolean() ? ",\"packageDigest\":\"" + bogusDigest + "\"" : "")
                            + "}";
                }
                case 16 -> {
                    token = s.admin();
                    method = "POST";
                    path = "/v1/roles/" + (r.nextBoolean() ? "ci" : "none") + "/tokens";
                    body = "{\"ttl\":\"" + pick(r, new String[] {"1h", "0s", "4000d", "soon"}) + "\"}";
                }
                default -> {
                    String[] agent = pick(r, agents);
                    token = agent[1];
                    method = "PUT";
                    path = "/v1/agents/" + agent[0];
                    body = "{\"name\":\"" + (r.nextInt(3) == 0 ? "renamed" : agent == agents[0] ? "m1" : "m2") + "\",\"cpus\":\"" + (1 + r.nextInt(4))
                            + "\",\"memory\":\"" + (1 + r.nextInt(4)) + "g\",\"ports\":\"21000-21100\"}";
                }
            }
            long before = s.server.engine().index();
            LiveServer.Reply reply = s.call(method, path, token, body);
            String what = "step " + step + ": " + method + " " + path + " " + (body == null ? "" : body) + " -> " + reply.code() + " " + reply.body();
            assertThat(reply.code()).as(what).isLessThan(500);
            if (reply.code() >= 400) {
                refused++;
                assertThat(s.server.engine().index()).as("refused, so nothing written: " + what).isEqualTo(before);
                continue;
            }
            remember(reply.body(), path, requests, allocations, tasks, deployments);
        }
        assertThat(refused).as("the sequence must refuse some calls to test anything").isGreaterThan(20);
    }

    /** Keeps the ids an accepted call made, for later calls to use. */
    private static void remember(JsonNode b, String path, List<String> requests, List<String> allocations, List<String[]> tasks, List<String> deployments) {
        if (b == null) {
            return;
        }
        if (path.equals("/v1/requests")) {
            requests.add(b.path("id").asText());
            b.path("allocations").forEach(a -> allocations.add(a.asText()));
        } else if (path.endsWith("/tasks") && b.has("id")) {
            tasks.add(new String[] {b.path("id").asText(), b.path("agentId").asText()});
        } else if (path.startsWith("/v1/services/") && b.path("deployment").has("id")) {
            deployments.add(b.path("deployment").path("id").asText());
        }
    }
}
