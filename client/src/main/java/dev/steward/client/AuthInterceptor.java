package dev.steward.client;

import okhttp3.Interceptor;
import okhttp3.Response;

import java.io.IOException;

/** Adds {@code Authorization: Bearer TOKEN} to every call. */
final class AuthInterceptor implements Interceptor {
    private final String token;

    AuthInterceptor(String token) {
        this.token = token;
    }

    @Override
    public Response intercept(Chain chain) throws IOException {
        if (token == null) {
            return chain.proceed(chain.request());
        }
        return chain.proceed(chain.request().newBuilder().header("Authorization", "Bearer " + token).build());
    }
}
