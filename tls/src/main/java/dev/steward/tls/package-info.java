/**
 * TLS for every connection that leaves a machine: {@link dev.steward.tls.Pem} and
 * {@link dev.steward.tls.TlsFiles} turn PEM files into SSL contexts with the JDK alone (the
 * allocator's and agents' HTTPS, the client's verification, mutual TLS), and
 * {@link dev.steward.tls.CertificateAuthority} makes a CA and issues server, agent and client
 * certificates with BouncyCastle, as {@code nomad tls} does; only {@code steward tls} and tests
 * need it, so BouncyCastle is an optional dependency. {@link dev.steward.tls.CertificateExpiry}
 * says when a party's certificates end, and what to log of it from a month before; the contexts
 * {@link dev.steward.tls.TlsFiles#context()} makes read their files again when they change, so a
 * renewed certificate is used with no restart, and {@link dev.steward.tls.CaRotation} replaces the
 * CA itself in two steps, both CAs trusted in between. {@link dev.steward.tls.CaRevocation} revokes
 * a certificate: the CA file holds its CA's revocation list, and every party refuses what it lists
 * ({@link dev.steward.tls.Revocations}), read again with the file.
 */
package dev.steward.tls;
