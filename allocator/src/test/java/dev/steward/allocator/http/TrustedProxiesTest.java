package dev.steward.allocator.http;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Which address a request came from, behind trusted proxies or not: the walk of X-Forwarded-For, pure. */
class TrustedProxiesTest {
    private static InetAddress ip(String s) {
        InetAddress a = TrustedProxies.literal(s);
        assertThat(a).as(s).isNotNull();
        return a;
    }

    private static String client(TrustedProxies p, String peer, String... xff) {
        return p.client(ip(peer), List.of(xff)).getHostAddress();
    }

    @Test
    void addresses_and_networks_of_both_families_parse_and_anything_else_is_refused_naming_it() {
        TrustedProxies p = TrustedProxies.parse(" 10.0.0.5, 10.1.0.0/16 ,fd00::/8, 192.168.7.0/25");
        assertThat(p.trusts(ip("10.0.0.5"))).isTrue();
        assertThat(p.trusts(ip("10.0.0.6"))).isFalse();
        assertThat(p.trusts(ip("10.1.255.1"))).isTrue();
        assertThat(p.trusts(ip("10.2.0.1"))).isFalse();
        assertThat(p.trusts(ip("fd12::1"))).isTrue();
        assertThat(p.trusts(ip("fe80::1"))).isFalse();
        assertThat(p.trusts(ip("192.168.7.127"))).isTrue();
        assertThat(p.trusts(ip("192.168.7.128"))).as("/25 splits the last byte").isFalse();
        assertThat(p.trusts(ip("::ffff:10.0.0.5"))).as("an IPv4-mapped address is the IPv4 one").isTrue();
        assertThat(TrustedProxies.parse("0.0.0.0/0").trusts(ip("203.0.113.1"))).isTrue();
        assertThat(TrustedProxies.parse("").isEmpty()).isTrue();
        assertThat(TrustedProxies.parse(null)).isSameAs(TrustedProxies.NONE);

        assertThatThrownBy(() -> TrustedProxies.parse("proxy.example.com")).hasMessageContaining("'proxy.example.com' is not an IP address")
                .hasMessageContaining("names are not looked up");
        assertThatThrownBy(() -> TrustedProxies.parse("localhost")).hasMessageContaining("'localhost'");
        assertThatThrownBy(() -> TrustedProxies.parse("10.0.0.0/33")).hasMessageContaining("prefix length '33': it must be 0 to 32");
        assertThatThrownBy(() -> TrustedProxies.parse("fd00::/129")).hasMessageContaining("0 to 128");
        assertThatThrownBy(() -> TrustedProxies.parse("10.0.0.0/x")).hasMessageContaining("prefix length 'x'");
        assertThatThrownBy(() -> TrustedProxies.parse("10.0.0")).as("no legacy short forms").hasMessageContaining("'10.0.0'");
        assertThatThrownBy(() -> TrustedProxies.parse("256.0.0.1")).hasMessageContaining("'256.0.0.1'");
    }

    @Test
    void the_header_is_believed_only_from_a_trusted_peer_and_the_client_is_the_rightmost_untrusted_entry() {
        TrustedProxies p = TrustedProxies.parse("10.0.0.0/8");
        assertThat(client(p, "203.0.113.9", "198.51.100.1")).as("anyone can send the header: from an untrusted peer it is ignored")
                .isEqualTo("203.0.113.9");
        assertThat(client(TrustedProxies.NONE, "10.0.0.5", "198.51.100.1")).as("no proxies trusted").isEqualTo("10.0.0.5");
        assertThat(client(p, "10.0.0.5")).as("a trusted peer without the header is the client").isEqualTo("10.0.0.5");
        assertThat(client(p, "10.0.0.5", "198.51.100.1")).isEqualTo("198.51.100.1");
        assertThat(client(p, "10.0.0.5", "198.51.100.66, 198.51.100.1, 10.0.0.7"))
                .as("a client's forged left part is not believed: the nearest untrusted entry is who the proxies saw").isEqualTo("198.51.100.1");
        assertThat(client(p, "10.0.0.5", "198.51.100.66", "198.51.100.1, 10.9.9.9")).as("several header lines are one list, in order")
                .isEqualTo("198.51.100.1");
        assertThat(client(p, "10.0.0.5", "10.0.0.8, 10.0.0.7")).as("all trusted: the leftmost").isEqualTo("10.0.0.8");
        assertThat(client(p, "10.0.0.5", "unknown, 10.0.0.7")).as("garbage stops the walk at the last hop vouched for").isEqualTo("10.0.0.7");
        assertThat(client(p, "10.0.0.5", "198.51.100.1, evil\r\nx")).isEqualTo("10.0.0.5");
        assertThat(client(p, "10.0.0.5", "proxy.example.com")).as("a name is not looked up").isEqualTo("10.0.0.5");
        assertThat(client(p, "10.0.0.5", "198.51.100.1, ")).as("an empty entry is skipped").isEqualTo("198.51.100.1");
        assertThat(client(p, "10.0.0.5", "[2001:db8::1]")).isEqualTo(ip("2001:db8::1").getHostAddress());
    }

    @Test
    void a_long_header_is_read_only_so_far_from_the_right() {
        TrustedProxies p = TrustedProxies.parse("10.0.0.0/8");
        List<String> hops = new ArrayList<>();
        hops.add("198.51.100.1");
        for (int i = 0; i < TrustedProxies.MAX_HOPS + 5; i++) {
            hops.add("10.0.0." + (i % 250 + 1));
        }
        assertThat(client(p, "10.0.0.5", String.join(",", hops))).as("past the bound, the last trusted hop reached")
                .startsWith("10.0.0.");
    }

    /**
     * Property: whatever the chain, the answer is the peer or an entry of the header; with an
     * untrusted peer always the peer; and no entry left of the rightmost untrusted one (what a
     * client could forge) is ever the answer.
     */
    @Test
    void no_forged_entry_is_ever_believed_over_random_chains() {
        long seed = Long.getLong("seed", System.nanoTime());
        Random r = new Random(seed);
        TrustedProxies p = TrustedProxies.parse("10.0.0.0/8, fd00::/8");
        String[] trusted = {"10.0.0.1", "10.2.3.4", "fd00::7"};
        String[] other = {"198.51.100.1", "203.0.113.5", "2001:db8::2", "192.0.2.44"};
        String[] junk = {"unknown", "", "x.example", "1.2.3", "_hidden"};
        for (int run = 0; run < 5_000; run++) {
            String peer = r.nextInt(4) == 0 ? other[r.nextInt(other.length)] : trusted[r.nextInt(trusted.length)];
            List<String> entries = new ArrayList<>();
            int n = r.nextInt(6);
            for (int i = 0; i < n; i++) {
                int k = r.nextInt(10);
                entries.add(k < 4 ? trusted[r.nextInt(trusted.length)] : k < 9 ? other[r.nextInt(other.length)] : junk[r.nextInt(junk.length)]);
            }
            String got = p.client(ip(peer), List.of(String.join(", ", entries))).getHostAddress();
            String at = "seed " + seed + " (replay with -Dseed=" + seed + "), run " + run + ": peer " + peer + ", X-Forwarded-For " + entries;
            if (!p.trusts(ip(peer))) {
                assertThat(got).as(at).isEqualTo(ip(peer).getHostAddress());
                continue;
            }
            int rightmostUntrusted = -1;
            for (int i = entries.size() - 1; i >= 0; i--) {
                if (entries.get(i).isBlank()) {
                    continue; // an empty entry is skipped
                }
                InetAddress a = TrustedProxies.literal(entries.get(i));
                if (a == null) {
                    break;
                }
                if (!p.trusts(a)) {
                    rightmostUntrusted = i;
                    break;
                }
            }
            if (rightmostUntrusted >= 0) {
                assertThat(got).as(at).isEqualTo(ip(entries.get(rightmostUntrusted)).getHostAddress());
            } else {
                assertThat(p.trusts(ip(got))).as(at + ": with no untrusted entry reached, the answer is a trusted hop").isTrue();
            }
        }
    }
}
