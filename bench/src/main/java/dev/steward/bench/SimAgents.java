package dev.steward.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.client.StringRequestContent;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Simulated agents for {@link ControlPlaneBench}, in a process of their own: each joins with the
 * join token, heartbeats once a second with its own token and keeps a blocking query for its work
 * parked, as the real agent does. Joins go through Jetty's client; heartbeats and queries through
 * {@link SimWire}, one thread of non-blocking sockets with the requests' bytes made once, so
 * that the simulation costs the shared cores as little as it can. Driven by lines on stdin, one answer line each on stdout:
 * {@code join N} (joins until there are N; answers N), {@code reset} (forgets the latencies),
 * {@code report} (answers "p50 p99 errors beats skipped", nanoseconds), {@code quit}.
 * Usage: SimAgents ALLOCATOR_URL JOIN_TOKEN
 */
public final class SimAgents {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final String url;
    private final String joinToken;
    private final HttpClient http = client();
    private final List<String[]> agents = new ArrayList<>();
    private final AtomicLong errors = new AtomicLong();
    private final Latencies latency = new Latencies();
    private final SimWire wire;

    private SimAgents(String url, String joinToken) throws Exception {
        this.url = url;
        this.joinToken = joinToken;
        java.net.URI u = java.net.URI.create(url);
        this.wire = new SimWire(new java.net.InetSocketAddress(u.getHost(), u.getPort()), latency, errors);
        Thread t = new Thread(wire, "sim-wire");
        t.setDaemon(true);
        t.start();
    }

    /** Jetty's asynchronous client: a parked query costs a connection, not a thread. */
    static HttpClient client() {
        HttpClient http = new HttpClient();
        http.setMaxConnectionsPerDestination(30_000);
        http.setMaxRequestsQueuedPerDestination(100_000);
        http.setConnectTimeout(10_000);
        try {
            http.start();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return http;
    }

    public static void main(String[] args) throws Exception {
        SimAgents sims = new SimAgents(args[0], args[1]);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null && !line.equals("quit"); ) {
            String[] w = line.trim().split(" ");
            switch (w[0]) {
                case "join" -> System.out.println(sims.join(Integer.parseInt(w[1])));
                case "reset" -> {
                    sims.latency.clear();
                    if (SimWire.TRACE != null) {
                        SimWire.TRACE.clear();
                    }
                    sims.errors.set(0);
                    sims.wire.skipped.set(0);
                    System.out.println("ok");
                }
                case "report" -> System.out.println(sims.report());
                default -> System.out.println("unknown " + w[0]);
            }
            System.out.flush();
        }
        sims.http.stop();
        System.exit(0);
    }

    private String report() {
        long[] xs = latency.sorted();
        if (SimWire.TRACE != null) { // the seconds whose slowest beat took longest, to line up with GC logs
            java.util.Map<Long, long[]> bySecond = new java.util.TreeMap<>();
            for (long[] t : SimWire.TRACE) {
                long[] s = bySecond.computeIfAbsent(t[0] / 1_000_000_000L, k -> new long[3]);
                s[0] = Math.max(s[0], t[1]);
                s[1]++;
                s[2] += t[1] > 100_000_000L ? 1 : 0;
            }
            bySecond.forEach((sec, s) -> {
                if (s[0] > 100_000_000L) {
                    System.err.printf("sim second %d: %d beats, %d over 100 ms, slowest %.0f ms%n", sec, s[1], s[2], s[0] / 1e6);
                }
            });
            SimWire.TRACE.clear();
        }
        return pct(xs, 50) + " " + pct(xs, 99) + " " + errors.get() + " " + xs.length + " " + wire.skipped.get();
    }

    private static long pct(long[] sorted, int p) {
        return sorted.length == 0 ? -1 : sorted[Math.min(sorted.length - 1, (int) Math.ceil(sorted.length * p / 100.0) - 1)];
    }

    /** Joins agents until there are {@code n}, 64 joins in flight; each then heartbeats and parks its query. */
    private int join(int n) throws Exception {
        Semaphore inFlight = new Semaphore(64);
        List<CompletableFuture<String[]>> joins = new ArrayList<>();
        for (int i = agents.size(); i < n; i++) {
            String body = "{\"name\":\"sim-" + i + "\",\"cpus\":\"16\",\"memory\":\"64g\",\"ports\":\"20000-20999\",\"attributes\":{\"zone\":\"z" + (i % 3)
                    + "\"}}";
            inFlight.acquire();
            CompletableFuture<String[]> f = new CompletableFuture<>();
            joins.add(f);
            request("POST", url + "/v1/agents", body, joinToken).send(new org.eclipse.jetty.client.BufferingResponseListener(1 << 20) {
                @Override
                public void onComplete(org.eclipse.jetty.client.Result result) {
                    inFlight.release();
                    try {
                        if (result.isFailed() || (result.getResponse().getStatus() != 201 && result.getResponse().getStatus() != 200)) {
                            throw new IllegalStateException("join failed: " + (result.isFailed() ? result.getFailure() : getContentAsString()));
                        }
                        JsonNode j = JSON.readTree(getContentAsString());
                        f.complete(new String[] {j.path("agent").path("id").asText(), j.path("token").asText()});
                    } catch (Exception e) {
                        f.completeExceptionally(e);
                    }
                }
            });
        }
        List<String[]> joined = new ArrayList<>();
        for (CompletableFuture<String[]> f : joins) {
            joined.add(f.get(120, TimeUnit.SECONDS));
        }
        agents.addAll(joined);
        wire.add(joined);
        return agents.size();
    }

    private Request request(String method, String u, String body, String token) {
        Request r = http.newRequest(u).method(method).timeout(60, TimeUnit.SECONDS).headers(h -> h.put("Authorization", "Bearer " + token));
        return body == null ? r : r.body(new StringRequestContent("application/json", body));
    }
}
