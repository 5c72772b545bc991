package dev.steward.client;

/**
 * When a token may go over plain HTTP: to loopback always, elsewhere only when allowed. Kept
 * apart from {@link StewardClient} so a client on another HTTP stack (the agent's) applies the
 * same rule and says the same thing without loading OkHttp.
 */
public final class PlainHttp {
    private PlainHttp() {
    }

    /** True for 127.0.0.0/8, ::1 and localhost: what never leaves the machine. Names are not resolved. */
    public static boolean loopback(String host) {
        String h = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        return h.equals("localhost") || h.equals("::1") || h.equals("0:0:0:0:0:0:0:1") || h.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
    }

    /** Why a token is not sent over plain HTTP to {@code host}, and what to do instead. */
    public static String refusal(String host) {
        return "refusing to send a token over plain HTTP to " + host + ", which is not loopback: "
                + "anyone on the way could read it. Use https:// (with --ca-cert or STEWARD_CACERT naming the cluster's CA), "
                + "or allow plain HTTP explicitly (--allow-plain-http, STEWARD_ALLOW_PLAIN_HTTP=1) on a network you trust";
    }
}
