package dev.steward.client;

import okhttp3.Interceptor;
import okhttp3.Response;

import java.io.IOException;
import java.util.UUID;

/** Gives every call an {@code X-Request-Id} (kept across its retries) so both sides' logs can name it. */
final class RequestIdInterceptor implements Interceptor {
    @Override
    public Response intercept(Chain chain) throws IOException {
        if (chain.request().header("X-Request-Id") != null) {
            return chain.proceed(chain.request());
        }
        return chain.proceed(chain.request().newBuilder().header("X-Request-Id", UUID.randomUUID().toString()).build());
    }
}
