package dev.steward.bench;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * One process of {@link HttpFootprintBench}: uses one HTTP stack ({@code args[0]}) against
 * {@code args[1]} or serving itself, prints "ready", and idles until killed. Each stack is a
 * class of its own, so a process loads only its stack's classes.
 */
final class HttpFootprintChild {
    private static final int REQUESTS = 20;

    private HttpFootprintChild() {
    }

    public static void main(String[] args) throws Exception {
        String stack = args[0];
        String url = args[1];
        switch (stack) {
            case "nothing" -> { }
            case "client: HttpURLConnection" -> UrlConnectionClient.run(url);
            case "client: java.net.http" -> JdkClient.run(url);
            case "client: OkHttp, plain HTTP" -> OkHttpClient.run(url);
            case "server: com.sun.net.httpserver" -> JdkServer.run(url);
            case "server: Jetty" -> JettyServer.run(url);
            default -> throw new IllegalArgumentException("no stack " + stack);
        }
        System.out.println("ready");
        System.out.flush();
        Thread.sleep(Duration.ofHours(1).toMillis());
    }

    /** Also each server's own requests: the lightest client, whose cost its row shows. */
    private static final class UrlConnectionClient {
        static void run(String url) throws Exception {
            for (int i = 0; i < REQUESTS; i++) {
                java.net.HttpURLConnection c = (java.net.HttpURLConnection) URI.create(url).toURL().openConnection();
                try (var in = c.getInputStream()) {
                    in.readAllBytes();
                }
            }
        }
    }

    private static final class JdkClient {
        static void run(String url) throws Exception {
            java.net.http.HttpClient c = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1).build();
            for (int i = 0; i < REQUESTS; i++) {
                c.send(java.net.http.HttpRequest.newBuilder(URI.create(url)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            }
        }
    }

    private static final class OkHttpClient {
        static void run(String url) throws Exception {
            okhttp3.OkHttpClient c = new okhttp3.OkHttpClient.Builder().connectionSpecs(List.of(okhttp3.ConnectionSpec.CLEARTEXT)).build();
            for (int i = 0; i < REQUESTS; i++) {
                try (okhttp3.Response r = c.newCall(new okhttp3.Request.Builder().url(url).build()).execute()) {
                    r.body().string();
                }
            }
        }
    }

    private static final class JdkServer {
        static void run(String url) throws Exception {
            com.sun.net.httpserver.HttpServer s = com.sun.net.httpserver.HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            s.createContext("/", ex -> {
                byte[] b = "hello".getBytes(StandardCharsets.UTF_8);
                ex.sendResponseHeaders(200, b.length);
                ex.getResponseBody().write(b);
                ex.close();
            });
            s.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(2));
            s.start();
            UrlConnectionClient.run("http://127.0.0.1:" + s.getAddress().getPort() + "/");
        }
    }

    private static final class JettyServer {
        static void run(String url) throws Exception {
            System.setProperty("org.eclipse.jetty.util.referencesPerCacheLine", "16"); // as AgentMain sets it: no JMX
            org.eclipse.jetty.server.Server s = new org.eclipse.jetty.server.Server(new org.eclipse.jetty.util.thread.QueuedThreadPool(8, 2, 60_000));
            org.eclipse.jetty.server.ServerConnector c = new org.eclipse.jetty.server.ServerConnector(s, 1, 1);
            c.setHost("127.0.0.1");
            c.setPort(0);
            s.addConnector(c);
            s.setHandler(new org.eclipse.jetty.server.Handler.Abstract() {
                @Override
                public boolean handle(org.eclipse.jetty.server.Request req, org.eclipse.jetty.server.Response res, org.eclipse.jetty.util.Callback cb) {
                    res.write(true, java.nio.ByteBuffer.wrap("hello".getBytes(StandardCharsets.UTF_8)), cb);
                    return true;
                }
            });
            s.start();
            UrlConnectionClient.run("http://127.0.0.1:" + c.getLocalPort() + "/");
        }
    }
}
