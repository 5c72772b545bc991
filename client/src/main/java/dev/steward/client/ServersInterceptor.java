package dev.steward.client;

import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;

import java.io.IOException;
import java.net.ConnectException;

/**
 * Sends each call to the current allocator of {@link Servers}. A 307 from a follower naming the
 * leader is sent again to the leader (the follower did nothing with it, so this is safe for any
 * method); an allocator that refuses the connection (nothing was sent) passes the call to the
 * next one. Other failures go up, to the retry interceptor's rules.
 */
final class ServersInterceptor implements Interceptor {
    private final Servers servers;

    ServersInterceptor(Servers servers) {
        this.servers = servers;
    }

    @Override
    public Response intercept(Chain chain) throws IOException {
        Request req = chain.request();
        int refused = 0;
        for (int hops = 0; ; hops++) {
            HttpUrl target = servers.on(req.url());
            Response resp;
            try {
                resp = chain.proceed(target.equals(req.url()) ? req : req.newBuilder().url(target).build());
            } catch (IOException e) {
                servers.failed(target);
                if (e instanceof ConnectException && ++refused < servers.size()) {
                    continue;
                }
                throw e;
            }
            String leader = resp.header(Servers.LEADER_HEADER);
            if (resp.code() == 307 && leader != null && hops < 3) {
                servers.leaderIs(leader);
                resp.close();
                continue;
            }
            if (leader != null) {
                servers.leaderIs(leader);
            }
            return resp;
        }
    }
}
