package dev.steward.agent;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A closed test network of network namespaces on one machine: a bridge on the host with the
 * address {@code 10.231.N.1/25}, and per host a namespace joined to it by a veth pair, with an
 * address {@code 10.231.N.(10+i)/25} and no default route. The host also holds an
 * {@code unreachable} route for {@code 10.231.N.0/24}, so a packet for the test range never
 * leaves through the machine's default route, even with a link cut or the bridge gone.
 * {@link #close} removes everything, whatever state it is in.
 */
final class TestNetwork implements AutoCloseable {
    final String prefix;
    final int net;
    final String bridge;
    private final List<String> namespaces = new ArrayList<>();
    private boolean routeAdded;

    /** Why this machine cannot make a test network, or null if it can. */
    static String unavailable() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return "network namespaces need root";
        }
        try {
            Process p = new ProcessBuilder("ip", "netns", "list").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            if (p.waitFor() != 0) {
                return "'ip netns' does not work here";
            }
        } catch (IOException e) {
            return "the 'ip' command (iproute2) is not installed";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
        return null;
    }

    TestNetwork() throws IOException {
        String tag = Long.toHexString(System.nanoTime() & 0xffff);
        prefix = "stw" + tag;
        net = 100 + (int) (System.nanoTime() % 100);
        bridge = prefix + "br";
        try {
            ip("link", "add", bridge, "type", "bridge");
            ip("addr", "add", "10.231." + net + ".1/25", "dev", bridge);
            ip("link", "set", bridge, "up");
            ip("route", "add", "unreachable", "10.231." + net + ".0/24");
            routeAdded = true;
        } catch (IOException e) {
            close();
            throw e;
        }
    }

    String hostAddress() {
        return "10.231." + net + ".1";
    }

    /** Adds host {@code i} (1..100): its namespace name; its address is {@link #address(int)}. */
    String addHost(int i) throws IOException {
        String ns = prefix + "n" + i;
        String vh = prefix + "h" + i;
        String vn = prefix + "v" + i;
        ip("netns", "add", ns);
        namespaces.add(ns);
        ip("link", "add", vh, "type", "veth", "peer", "name", vn);
        ip("link", "set", vn, "netns", ns);
        ip("link", "set", vh, "master", bridge);
        ip("link", "set", vh, "up");
        ip("netns", "exec", ns, "ip", "addr", "add", address(i) + "/25", "dev", vn);
        ip("netns", "exec", ns, "ip", "link", "set", vn, "up");
        ip("netns", "exec", ns, "ip", "link", "set", "lo", "up");
        return ns;
    }

    String address(int i) {
        return "10.231." + net + "." + (10 + i);
    }

    /** Cuts host {@code i}'s link (its veth on the bridge side goes down). */
    void cut(int i) throws IOException {
        ip("link", "set", prefix + "h" + i, "down");
    }

    void restore(int i) throws IOException {
        ip("link", "set", prefix + "h" + i, "up");
    }

    /** True if no namespace of this network has a default route. */
    boolean closedNetwork() throws IOException {
        for (String ns : namespaces) {
            if (output("ip", "netns", "exec", ns, "ip", "route", "show", "default").trim().length() > 0) {
                return false;
            }
        }
        return true;
    }

    static String output(String... cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        try {
            if (p.waitFor() != 0) {
                throw new IOException(String.join(" ", cmd) + " failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        return out;
    }

    private static void ip(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("ip"));
        cmd.addAll(List.of(args));
        output(cmd.toArray(new String[0]));
    }

    private static void quietly(String... args) {
        try {
            ip(args);
        } catch (IOException e) {
            // already gone
        }
    }

    @Override
    public void close() {
        for (String ns : namespaces) {
            quietly("netns", "delete", ns); // takes the namespace's veth end, and so the pair, with it
        }
        quietly("link", "delete", bridge);
        if (routeAdded) {
            quietly("route", "delete", "unreachable", "10.231." + net + ".0/24");
        }
    }
}
