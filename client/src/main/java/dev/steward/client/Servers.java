package dev.steward.client;

import okhttp3.HttpUrl;

import java.util.ArrayList;
import java.util.List;

/**
 * The allocators a client may talk to, and the one it talks to now. Several are given for a
 * replicated control plane ({@code http://a:4646,http://b:4646}). A follower answers with the
 * leader's address ({@code X-Steward-Leader}), which becomes the current one; an allocator that
 * cannot be reached passes the turn to the next in the list.
 */
final class Servers {
    static final String LEADER_HEADER = "X-Steward-Leader";
    private final List<HttpUrl> all;
    private volatile HttpUrl current;
    private final java.util.function.Predicate<HttpUrl> allowed;

    /** {@code allowed}: whether a leader a follower names may be sent this client's token (plain HTTP off loopback may not). */
    Servers(List<HttpUrl> all, java.util.function.Predicate<HttpUrl> allowed) {
        this.allowed = allowed;
        if (all.isEmpty()) {
            throw new IllegalArgumentException("no allocator address given");
        }
        this.all = List.copyOf(all);
        this.current = all.get(0);
    }

    /** Parses {@code http://a:4646[,http://b:4646...]}; names the bad one. */
    static List<HttpUrl> parse(String addresses) {
        List<HttpUrl> out = new ArrayList<>();
        for (String a : addresses.split(",")) {
            String t = a.trim();
            if (t.isEmpty()) {
                continue;
            }
            HttpUrl u = HttpUrl.parse(t);
            if (u == null) {
                throw new IllegalArgumentException("'" + t + "' is not an http(s) address such as http://127.0.0.1:4646");
            }
            out.add(u);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("'" + addresses + "' names no allocator: give http(s)://HOST:PORT, or several separated by commas");
        }
        return out;
    }

    int size() {
        return all.size();
    }

    HttpUrl current() {
        return current;
    }

    /** {@code u} sent to the current allocator: its path and query, the current one's scheme, host and port. */
    HttpUrl on(HttpUrl u) {
        HttpUrl c = current;
        if (c.scheme().equals(u.scheme()) && c.host().equals(u.host()) && c.port() == u.port()) {
            return u;
        }
        return u.newBuilder().scheme(c.scheme()).host(c.host()).port(c.port()).build();
    }

    /** A follower named the leader: talk to it from now on. */
    void leaderIs(String url) {
        HttpUrl u = url == null ? null : HttpUrl.parse(url);
        if (u != null && allowed.test(u)) {
            current = u;
        }
    }

    /** {@code tried} could not be reached: if it is still the current one, the next in the list is. */
    void failed(HttpUrl tried) {
        HttpUrl c = current;
        if (all.size() < 2 || !(c.host().equals(tried.host()) && c.port() == tried.port())) {
            return;
        }
        int i = indexOf(c);
        current = all.get((i + 1) % all.size());
    }

    private int indexOf(HttpUrl c) {
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i).host().equals(c.host()) && all.get(i).port() == c.port()) {
                return i;
            }
        }
        return -1; // a leader named by a follower, not in the list: the list starts again from its first
    }
}
