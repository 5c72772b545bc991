/**
 * The Java client of the REST API, on OkHttp and Jackson (the versions Jenkins' okhttp-api and
 * jackson2-api plugins ship). No global state: every {@link dev.steward.client.StewardClient}
 * holds its own address, token and OkHttp client. Cross-cutting concerns are small
 * interceptors assembled in one visible list: {@link dev.steward.client.AuthInterceptor},
 * {@link dev.steward.client.RequestIdInterceptor}, {@link dev.steward.client.RetryInterceptor}.
 * Every path is built from percent-encoded segments ({@link dev.steward.client.Paths}).
 * {@link dev.steward.client.StewardClient#watchAsync} makes blocking queries with the JDK's
 * asynchronous HTTP client instead ({@link dev.steward.client.AsyncQueries},
 * {@link dev.steward.client.AsyncWatch}), so that waiting holds no thread; clients without an
 * OkHttp client of their own share one connection pool.
 */
package dev.steward.client;
