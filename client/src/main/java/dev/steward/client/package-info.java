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
 * OkHttp client of their own share one connection pool. Each area of the API has its own face:
 * packages ({@link dev.steward.client.PackageClient}), services and deployments ({@link
 * dev.steward.client.DeployClient}), monitors ({@link dev.steward.client.MonitorClient}) and
 * commands run in tasks ({@link dev.steward.client.TaskClient}, whose {@code execAsync} waits
 * without a thread too).
 */
package dev.steward.client;
