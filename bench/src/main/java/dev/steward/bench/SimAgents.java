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
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Simulated agents for {@link ControlPlaneBench}, in a process of their own: each joins with the
 * join token, heartbeats once a second with its own token and keeps a blocking query for its work
 * parked, as the real agent does. Driven by lines on stdin, one answer line each on stdout:
 * {@code join N} (joins until there are N; answers N), {@code reset} (forgets the latencies),
 * {@code report} (answers "p50 p99 errors beats", nanoseconds), {@code quit}.
 * Usage: SimAgents ALLOCATOR_URL JOIN_TOKEN
 */
public final class SimAgents {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final String url;
    private final String joinToken;
    private final HttpClient http = client();
    private final ScheduledExecutorService timer = Executors.newScheduledThreadPool(2);
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<String[]> agents = new ArrayList<>();
    private final AtomicLong errors = new AtomicLong();
    private final ConcurrentLinkedQueue<Long> latency = new ConcurrentLinkedQueue<>();

    private SimAgents(String url, String joinToken) throws Exception {
        this.url = url;
        this.joinToken = joinToken;
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
                    sims.errors.set(0);
                    System.out.println("ok");
                }
                case "report" -> System.out.println(sims.report());
                default -> System.out.println("unknown " + w[0]);
            }
            System.out.flush();
        }
        sims.running.set(false);
        sims.timer.shutdownNow();
        sims.http.stop();
        System.exit(0);
    }

    private String report() {
        long[] xs = latency.stream().mapToLong(Long::longValue).sorted().toArray();
        return pct(xs, 50) + " " + pct(xs, 99) + " " + errors.get() + " " + xs.length;
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
        for (CompletableFuture<String[]> f : joins) {
            String[] a = f.get(120, TimeUnit.SECONDS);
            agents.add(a);
            long offset = (long) (Math.random() * 1000);
            timer.scheduleAtFixedRate(() -> heartbeat(a), offset, 1000, TimeUnit.MILLISECONDS);
            park(a, 0);
        }
        return agents.size();
    }

    private void heartbeat(String[] a) {
        long t = System.nanoTime();
        request("PUT", url + "/v1/agents/" + a[0] + "/heartbeat", "{}", a[1]).send(result -> {
            if (result.isFailed() || result.getResponse().getStatus() != 200) {
                errors.incrementAndGet();
            } else {
                latency.add(System.nanoTime() - t);
            }
        });
    }

    /** The agent's blocking query for its tasks, re-issued whenever it answers; after an error, a second later. */
    private void park(String[] a, long index) {
        if (!running.get()) {
            return;
        }
        String u = url + "/v1/agents/" + a[0] + "/tasks" + (index > 0 ? "?index=" + index + "&wait=30s" : "");
        request("GET", u, null, a[1]).timeout(60, TimeUnit.SECONDS).send(result -> {
            String h = result.getResponse() == null ? null : result.getResponse().getHeaders().get("X-Steward-Index");
            long next = h == null ? index : Long.parseLong(h);
            if (result.isFailed()) {
                timer.schedule(() -> park(a, index), 1, TimeUnit.SECONDS);
            } else {
                park(a, Math.max(next, 1));
            }
        });
    }

    private Request request(String method, String u, String body, String token) {
        Request r = http.newRequest(u).method(method).timeout(60, TimeUnit.SECONDS).headers(h -> h.put("Authorization", "Bearer " + token));
        return body == null ? r : r.body(new StringRequestContent("application/json", body));
    }
}
