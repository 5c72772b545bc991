package dev.steward.allocator.http;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The proxies whose {@code X-Forwarded-For} is believed ({@code steward server --trusted-proxies}),
 * as Vault's {@code x_forwarded_for_authorized_addrs}. Behind nginx or a load balancer every
 * connection comes from the proxy, so the request log's {@code remote}, where an agent joined from
 * and where a token was last used from would all name the proxy. A request whose connection comes
 * from one of these networks is taken to come from the address the header names: read from its
 * right end (the entry the nearest proxy added), trusted hops skipped, the first address not
 * trusted is the client. Anyone can send the header, so it is ignored on a connection from
 * anywhere else, and an entry that is not an IP address ends the walk at the last hop vouched for.
 * A trusted proxy's own connections are not held to the per-address connection limit, which
 * would otherwise be every client's behind it ({@link AddressLimit}); the total limit still is.
 */
public final class TrustedProxies {
    public static final TrustedProxies NONE = new TrustedProxies(List.of(), "");
    public static final String HEADER = "X-Forwarded-For";
    /** Entries read from the right, at most: a header longer than that is a client's, padded to hide behind. */
    static final int MAX_HOPS = 32;
    private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]{2,45}");

    /** A network: an address and how many of its leading bits must match. */
    private record Network(byte[] address, int bits) {
        boolean contains(InetAddress a) {
            byte[] b = a.getAddress();
            if (b.length != address.length) {
                return false;
            }
            int whole = bits / 8;
            for (int i = 0; i < whole; i++) {
                if (b[i] != address[i]) {
                    return false;
                }
            }
            int rest = bits % 8;
            return rest == 0 || ((b[whole] ^ address[whole]) & (0xff << (8 - rest)) & 0xff) == 0;
        }
    }

    private final List<Network> networks;
    private final String spec;

    private TrustedProxies(List<Network> networks, String spec) {
        this.networks = networks;
        this.spec = spec;
    }

    /**
     * Parses a comma-separated list of addresses and networks ({@code 10.0.0.5, 10.1.0.0/16,
     * fd00::/8}); empty or blank is none. A name is refused, not looked up: what is trusted must
     * not depend on DNS.
     */
    public static TrustedProxies parse(String spec) {
        if (spec == null || spec.isBlank()) {
            return NONE;
        }
        List<Network> nets = new ArrayList<>();
        for (String part : spec.split(",")) {
            String p = part.strip();
            if (p.isEmpty()) {
                continue;
            }
            int slash = p.indexOf('/');
            String addr = slash < 0 ? p : p.substring(0, slash);
            InetAddress a = literal(addr);
            if (a == null) {
                throw new IllegalArgumentException("trusted proxy '" + p + "' is not an IP address or network (an address, or address/prefix "
                        + "such as 10.0.0.0/8 or fd00::/8; names are not looked up)");
            }
            int max = a.getAddress().length * 8;
            int bits = max;
            if (slash >= 0) {
                String b = p.substring(slash + 1);
                if (!b.matches("\\d{1,3}") || Integer.parseInt(b) > max) {
                    throw new IllegalArgumentException("trusted proxy '" + p + "' has prefix length '" + b + "': it must be 0 to " + max);
                }
                bits = Integer.parseInt(b);
            }
            nets.add(new Network(a.getAddress(), bits));
        }
        return nets.isEmpty() ? NONE : new TrustedProxies(List.copyOf(nets), spec.strip());
    }

    /** An IP literal, or null: never a DNS lookup (a name or anything else is null). */
    static InetAddress literal(String s) {
        if (s == null) {
            return null;
        }
        String t = s.strip();
        if (t.startsWith("[") && t.endsWith("]")) {
            t = t.substring(1, t.length() - 1);
        }
        boolean v4 = IPV4.matcher(t).matches();
        if (!v4 && !(t.indexOf(':') >= 0 && IPV6.matcher(t).matches())) {
            return null;
        }
        try {
            return InetAddress.getByName(t); // a literal: parsed, not looked up
        } catch (UnknownHostException e) {
            return null;
        }
    }

    public boolean isEmpty() {
        return networks.isEmpty();
    }

    boolean trusts(InetAddress a) {
        for (Network n : networks) {
            if (n.contains(a)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Where a request came from: {@code peer} (the connection's address) unless it is trusted and
     * {@code forwardedFor} (the request's {@code X-Forwarded-For} values, in order) names
     * someone beyond it; then the rightmost address that is not a trusted proxy, or, when every
     * address named is trusted, the leftmost of them. An entry that is not an address stops the
     * walk: the client is the last address reached.
     */
    public InetAddress client(InetAddress peer, List<String> forwardedFor) {
        if (peer == null || networks.isEmpty() || forwardedFor == null || forwardedFor.isEmpty() || !trusts(peer)) {
            return peer;
        }
        List<String> entries = new ArrayList<>();
        for (String v : forwardedFor) {
            if (v != null) {
                for (String e : v.split(",")) {
                    if (!e.isBlank()) {
                        entries.add(e);
                    }
                }
            }
        }
        InetAddress reached = peer;
        int hops = 0;
        for (int i = entries.size() - 1; i >= 0 && hops < MAX_HOPS; i--, hops++) {
            InetAddress a = literal(entries.get(i));
            if (a == null) {
                return reached;
            }
            reached = a;
            if (!trusts(a)) {
                return a;
            }
        }
        return reached;
    }

    @Override
    public String toString() {
        return spec.isEmpty() ? "none" : spec;
    }
}
