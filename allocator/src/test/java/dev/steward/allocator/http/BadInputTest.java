package dev.steward.allocator.http;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** Every kind of bad input gets a problem response naming the field and the limit; none is a 500; nothing stored changes. */
class BadInputTest {
    private static LiveServer s;

    @BeforeAll
    static void start() {
        s = new LiveServer();
        s.agent("m1", "4", "4g");
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    @ParameterizedTest(name = "{0} -> {1} naming {2}")
    @CsvSource(delimiter = '|', value = {
            "{\"cpus\":\"2\",\"bogus\":1}                     | 400 | bogus              | unknown field 'bogus'",
            "{\"cpus\":\"-1\"}                                | 400 | cpus               | negative",
            "{\"cpus\":\"100000\"}                            | 400 | cpus               | is 100000, above the limit of 4096 cores",
            "{\"memory\":\"100t\"}                            | 400 | memory             | is 100t, above the limit of 64t",
            "{\"disk\":\"2048t\"}                             | 400 | disk               | is 2048t, above the limit of 1024t",
            "{\"gpus\":\"65\"}                                | 400 | gpus               | is 65, above the limit of 64 GPUs",
            "{\"cpus\":\"0\"}                                 | 400 | cpus               | is 0, below the least an allocation may have, 10m (0.01 cores)",
            "{\"cpus\":\"9m\"}                                | 400 | cpus               | below the least an allocation may have",
            "{\"memory\":\"0\"}                               | 400 | memory             | is 0, below the least an allocation may have, 10m",
            "{\"memory\":\"512k\"}                            | 400 | memory             | below the least an allocation may have",
            "{\"memory\":\"4x\"}                              | 400 | memory             | unknown size unit",
            "{\"gpus\":\"1.5\"}                               | 400 | gpus               | mixes whole and shared GPUs",
            "{\"gpuModel\":\"V100\"}                          | 400 | gpuModel           | no gpus are asked for",
            "{\"count\":0}                                    | 400 | count              | from 1 to 10000",
            "{\"count\":20000}                                | 400 | count              | from 1 to 10000",
            "{\"count\":\"many\"}                             | 400 | count              | not a valid whole number",
            "{\"count\":1.5}                                  | 400 | count              | ",
            "{\"ttl\":\"0s\"}                                 | 400 | ttl                | from 1s to 30d",
            "{\"ttl\":\"400d\"}                               | 400 | ttl                | from 1s to 30d",
            "{\"ttl\":\"soon\"}                               | 400 | ttl                | not a duration",
            "{\"priority\":5000}                              | 400 | priority           | from 0 to 1000",
            "{\"placement\":\"random\"}                       | 400 | placement          | binpack or spread",
            "{\"ports\":[\"http\",\"http\"]}                  | 400 | ports[1]           | named twice",
            "{\"ports\":[\"bad name\"]}                       | 400 | ports[0]           | letters, digits",
            "{\"constraints\":[{\"attribute\":\"os\",\"op\":\"~\"}]} | 400 | constraints[0].op | not an operator",
            "{\"constraints\":[{\"op\":\"=\",\"value\":\"x\"}]} | 400 | constraints[0].attribute | is required",
            "{\"constraints\":[{\"attribute\":\"os\",\"op\":\"regex\",\"value\":\"(\"}]} | 400 | constraints[0].value | not a regular expression",
            "{\"scalars\":{\"fpga\":-1}}                      | 400 | scalars.fpga       | at least 0",
            "{\"role\":\"nobody\"}                            | 404 |                    | no role 'nobody'",
            "[1,2]                                            | 400 |                    | expected an object",
            "{\"cpus\":                                       | 400 |                    | malformed JSON",
            "nonsense                                         | 400 |                    | malformed JSON",
            "null                                             | 400 |                    | null",
    })
    void a_bad_request_body_is_refused_with_the_field_named(String body, int status, String field, String words) {
        LiveServer.Reply r = s.post("/v1/requests", s.admin(), body);
        assertThat(r.code()).as(body).isEqualTo(status);
        assertThat(r.contentType()).isEqualTo("application/problem+json");
        if (field != null) {
            assertThat(r.body().path("field").asText()).isEqualTo(field);
        }
        if (words != null) {
            assertThat(r.body().path("detail").asText()).contains(words);
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', value = {
            "PUT  | /v1/roles/x          | {\"weight\":0}                          | 400 | weight",
            "PUT  | /v1/roles/x          | {\"weight\":-3}                         | 400 | weight",
            "PUT  | /v1/roles/x          | {\"limit\":{\"cpus\":\"1\"},\"guarantee\":{\"cpus\":\"2\"}} | 400 | guarantee.cpus",
            "PUT  | /v1/roles/x          | {\"limit\":{\"cpu\":\"1\"}}             | 400 | limit.cpu",
            "PUT  | /v1/roles/bad%20name | {}                                      | 400 | name",
            "POST | /v1/agents           | {\"name\":\"m9\",\"memory\":\"1g\"}     | 400 | cpus",
            "POST | /v1/agents           | {\"name\":\"m9\",\"cpus\":\"1\",\"memory\":\"1g\",\"ports\":\"9-3\"} | 400 | ports",
            "POST | /v1/agents           | {\"name\":\"m9\",\"cpus\":\"1\",\"memory\":\"1g\",\"gpus\":2} | 400 | gpuModel",
            "POST | /v1/allocations/none/renew | {\"ttl\":\"-5s\"}                  | 400 | ttl",
            "PUT  | /v1/services/web/prod | {\"actor\":\"bob\\u001b[2J\"}      | 400 | actor",
            "PUT  | /v1/services/web/prod | {\"buildUrl\":\"https://ci/\\u001b]0;t\\u0007\"} | 400 | buildUrl",
            "PUT  | /v1/services/web/prod | {\"buildUrl\":\"https://ci/\\u202e\"} | 400 | buildUrl",
            "POST | /v1/services/web/prod/plan | {\"actor\":\"a\\nb\"}         | 400 | actor",
            "POST | /v1/join-tokens      | {\"description\":\"rack 7\\r\\nm12\"} | 400 | description",
    })
    void bad_input_on_other_routes_is_refused_with_the_field_named(String method, String path, String body, int status, String field) {
        LiveServer.Reply r = s.call(method, path, s.admin(), body);
        assertThat(r.code()).as(body).isEqualTo(status);
        assertThat(r.body().path("field").asText()).isEqualTo(field);
    }

    @Test
    void routes_methods_and_ids_that_do_not_exist() {
        assertThat(s.get("/v1/nothing", s.admin()).code()).isEqualTo(404);
        assertThat(s.get("/v1/allocations/nope", s.admin()).body().path("detail").asText()).isEqualTo("no allocation 'nope'");
        LiveServer.Reply r = s.call("DELETE", "/v1/agents", s.admin(), null);
        assertThat(r.code()).isEqualTo(405);
        assertThat(r.body().path("detail").asText()).contains("allowed: GET, POST");
    }

    @Test
    void blocking_query_parameters_are_checked() {
        assertThat(s.get("/v1/agents?index=abc", s.admin()).body().path("field").asText()).isEqualTo("index");
        LiveServer.Reply r = s.get("/v1/agents?index=1&wait=10m", s.admin());
        assertThat(r.code()).isEqualTo(400);
        assertThat(r.body().path("detail").asText()).contains("above the limit of 5m");
        LiveServer.Reply st = s.get("/v1/allocations?state=bogus", s.admin());
        assertThat(st.body().path("field").asText()).isEqualTo("state");
        assertThat(st.body().path("detail").asText()).contains("is not one of allocated, leaving, released, expired, preempted, lost");
    }

    @Test
    void an_oversized_body_is_refused_with_413_and_nothing_changes() {
        String before = s.get("/v1/status", s.admin()).index();
        String huge = "{\"name\":\"" + "x".repeat(2 * 1024 * 1024) + "\"}";
        LiveServer.Reply r = s.post("/v1/requests", s.admin(), huge);
        assertThat(r.code()).isEqualTo(413);
        assertThat(r.body().path("detail").asText()).contains("above the limit of 1024 KiB");
        assertThat(s.get("/v1/status", s.admin()).index()).isEqualTo(before);
    }

    @Test
    void random_garbage_at_every_writing_route_is_never_a_500_and_changes_nothing() {
        String before = s.get("/v1/status", s.admin()).index();
        Random rnd = new Random(7);
        List<String[]> routes = List.of(new String[] {"POST", "/v1/requests"}, new String[] {"PUT", "/v1/roles/g"},
                new String[] {"POST", "/v1/agents"}, new String[] {"POST", "/v1/roles/default/tokens"});
        String[] pieces = {"{", "}", "[", "]", "\"cpus\"", ":", ",", "\"1g\"", "-1", "1e400", "null", "true", "\"\\u0000\"", "\"count\"", "9999999999999999999"};
        for (int i = 0; i < 300; i++) {
            StringBuilder b = new StringBuilder();
            int n = 1 + rnd.nextInt(8);
            for (int k = 0; k < n; k++) {
                b.append(pieces[rnd.nextInt(pieces.length)]);
            }
            String[] route = routes.get(rnd.nextInt(routes.size()));
            LiveServer.Reply r = s.call(route[0], route[1], s.admin(), b.toString());
            assertThat(r.code()).as("%s %s %s", route[0], route[1], b).isLessThan(500);
            if (r.code() >= 400) {
                assertThat(r.contentType()).isEqualTo("application/problem+json");
            }
        }
        // garbage that happened to be a valid body may have changed something; all else must not have
        assertThat(Long.parseLong(s.get("/v1/status", s.admin()).index())).isGreaterThanOrEqualTo(Long.parseLong(before));
    }

    /** Sends raw bytes (closing our side after them if {@code halfClose}) and returns what the server answered. */
    private static String raw(String request, boolean halfClose) throws Exception {
        try (java.net.Socket so = new java.net.Socket()) {
            so.connect(new java.net.InetSocketAddress(s.server.address().getAddress(), s.server.address().getPort()), 5000);
            so.setSoTimeout(10_000);
            so.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            so.getOutputStream().flush();
            if (halfClose) {
                so.shutdownOutput();
            }
            java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
            byte[] buf = new byte[4096];
            try {
                int n;
                while ((n = so.getInputStream().read(buf)) > 0) {
                    got.write(buf, 0, n);
                    String text = got.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
                    int headEnd = text.indexOf("\r\n\r\n");
                    java.util.regex.Matcher len = java.util.regex.Pattern.compile("(?i)content-length: (\\d+)").matcher(text);
                    if (headEnd > 0 && len.find() && text.length() >= headEnd + 4 + Integer.parseInt(len.group(1))) {
                        break;
                    }
                }
            } catch (java.net.SocketException reset) {
                throw new AssertionError("the connection was reset instead of answered; got so far: " + got, reset);
            }
            return got.toString(java.nio.charset.StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void json_nested_thousands_of_levels_deep_is_a_400_not_a_500() {
        String deep = "[".repeat(2000) + "]".repeat(2000);
        String deepObject = "{\"a\":".repeat(2000) + "1" + "}".repeat(2000);
        for (String[] route : List.of(new String[] {"POST", "/v1/requests"}, new String[] {"PUT", "/v1/roles/deep"}, new String[] {"POST", "/v1/agents"},
                new String[] {"PUT", "/v1/services/web/deep"}, new String[] {"POST", "/v1/services/web/deep/rollback"})) {
            for (String body : List.of(deep, deepObject, "{\"x\":" + deep + "}", "{\"constraints\":" + deep + "}")) {
                LiveServer.Reply r = s.call(route[0], route[1], s.admin(), body);
                assertThat(r.code()).as("%s %s", route[0], route[1]).isBetween(400, 499);
                assertThat(r.contentType()).isEqualTo("application/problem+json");
            }
        }
    }

    @Test
    void protocol_level_garbage_is_answered_with_a_problem_never_a_reset_or_a_500() throws Exception {
        for (String line : List.of("GET /v1/<script> HTTP/1.1", "GET /v1\\health HTTP/1.1", "BR@W /v1/health HTTP/1.1",
                "G\u0000T /v1/health HTTP/1.1")) {
            String got = raw(line + "\r\nHost: test\r\nConnection: close\r\n\r\n", false);
            assertThat(got).as(line).matches("(?s)HTTP/1\\.1 4\\d\\d .*");
            assertThat(got).as(line).containsIgnoringCase("content-type: application/problem+json");
        }
        String cut = raw("POST /v1/requests HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer " + s.admin()
                + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n64\r\n{\"cpus\":", true);
        assertThat(cut).as("a chunked body cut short").matches("(?s)HTTP/1\\.1 4\\d\\d .*").containsIgnoringCase("application/problem+json");
        String huge = raw("GET /v1/health HTTP/1.1\r\nHost: test\r\nX-Big: " + "x".repeat(40_000) + "\r\nConnection: close\r\n\r\n", false);
        assertThat(huge).as("headers above the limit").matches("(?s)HTTP/1\\.1 431 .*");
        assertThat(s.get("/v1/health", null).code()).isEqualTo(200);
    }
}
