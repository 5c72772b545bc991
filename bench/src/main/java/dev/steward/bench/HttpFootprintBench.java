package dev.steward.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What each HTTP stack an agent could use costs a JVM started with the agent's shipped flags
 * (issue 19, item 2): a process per stack makes 20 requests to a local server (or serves 20),
 * then idles; its resident memory and loaded classes are read and set against a process that
 * does nothing. Each process gets only its stack's jars, so no stack pays for another's. The
 * clients: the JDK's {@code HttpURLConnection} and {@code java.net.http.HttpClient}, OkHttp
 * with plain HTTP only (as the agent's client is); the servers: Jetty (as the agent's log
 * server is configured: 8 threads, one acceptor, one selector) and the JDK's
 * {@code com.sun.net.httpserver}. Run with {@code bench/run HttpFootprintBench [--rounds N]} (3 by default).
 */
public final class HttpFootprintBench {
    private static final int REQUESTS = 20;

    public static void main(String[] args) throws Exception {
        com.sun.net.httpserver.HttpServer target = com.sun.net.httpserver.HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        target.createContext("/", ex -> {
            byte[] b = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        target.start();
        String url = "http://127.0.0.1:" + target.getAddress().getPort() + "/";
        Map<String, List<Class<?>>> stacks = new LinkedHashMap<>();
        stacks.put("nothing", List.of());
        stacks.put("client: HttpURLConnection", List.of());
        stacks.put("client: java.net.http", List.of());
        stacks.put("client: OkHttp, plain HTTP", List.of(okhttp3.OkHttpClient.class, okio.Buffer.class, kotlin.Unit.class));
        stacks.put("server: com.sun.net.httpserver", List.of());
        stacks.put("server: Jetty", List.of(org.eclipse.jetty.server.Server.class, org.eclipse.jetty.http.HttpField.class,
                org.eclipse.jetty.io.EndPoint.class, org.eclipse.jetty.util.Callback.class, org.slf4j.Logger.class));
        int rounds = args.length > 1 && args[0].equals("--rounds") ? Integer.parseInt(args[1]) : 3;
        System.out.printf("each stack in a JVM of its own with the agent's flags (%s), %d requests, then %d s idle; %d rounds%n",
                String.join(" ", AgentBench.SHIPPED_FLAGS), REQUESTS, Long.getLong("idle.ms", 3000) / 1000, rounds);
        System.out.printf("  %-32s %12s %12s %10s %10s%n", "stack", "VmRSS MB", "vs nothing", "classes", "threads");
        Map<String, List<double[]>> results = new LinkedHashMap<>();
        try {
            for (int r = 0; r < rounds; r++) {
                for (Map.Entry<String, List<Class<?>>> e : stacks.entrySet()) {
                    results.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(measure(e.getKey(), e.getValue(), url));
                }
            }
        } finally {
            target.stop(0);
        }
        double nothing = median(results.get("nothing"), 0);
        for (Map.Entry<String, List<double[]>> e : results.entrySet()) {
            double rss = median(e.getValue(), 0);
            System.out.printf("  %-32s %12.1f %+12.1f %10.0f %10.0f%n", e.getKey(), rss, rss - nothing, median(e.getValue(), 1), median(e.getValue(), 2));
        }
        System.out.println("  (classes: loaded, the JDK's shared archive included; VmRSS is the median of the rounds)");
    }

    /** Starts the stack's process, waits until it has done its requests and idled, and reads {VmRSS MB, classes, threads}. */
    static double[] measure(String stack, List<Class<?>> jarsOf, String url) throws Exception {
        List<String> cp = new ArrayList<>(List.of(Path.of(HttpFootprintBench.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString()));
        for (Class<?> c : jarsOf) {
            cp.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
        }
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(AgentBench.SHIPPED_FLAGS);
        cmd.addAll(List.of("-cp", String.join(java.io.File.pathSeparator, cp), HttpFootprintChild.class.getName(), stack, url));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = out.readLine()) != null && !line.equals("ready")) {
                if (!line.startsWith("SLF4J(")) { // Jetty's logging has no provider here: it logs nothing, as it costs nothing
                    System.out.println("    " + stack + ": " + line);
                }
            }
            if (line == null) {
                throw new IllegalStateException(stack + ": the process ended before it was ready");
            }
            Thread.sleep(Long.getLong("idle.ms", 3000)); // idle, as the agent between heartbeats
            long rss = 0;
            long threads = 0;
            for (String s : Files.readAllLines(Path.of("/proc", Long.toString(p.pid()), "status"))) {
                if (s.startsWith("VmRSS:")) {
                    rss = Long.parseLong(s.replaceAll("[^0-9]", ""));
                } else if (s.startsWith("Threads:")) {
                    threads = Long.parseLong(s.replaceAll("[^0-9]", ""));
                }
            }
            long classes = 0;
            Process j = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(), Long.toString(p.pid()), "PerfCounter.print")
                    .redirectErrorStream(true).start();
            for (String s : new String(j.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (s.startsWith("java.cls.loadedClasses=") || s.startsWith("java.cls.sharedLoadedClasses=")) {
                    classes += Long.parseLong(s.substring(s.indexOf('=') + 1).trim());
                }
            }
            j.waitFor();
            return new double[] {rss / 1024.0, classes, threads};
        } finally {
            p.destroyForcibly().waitFor();
        }
    }

    private static double median(List<double[]> xs, int field) {
        double[] v = xs.stream().mapToDouble(x -> x[field]).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
