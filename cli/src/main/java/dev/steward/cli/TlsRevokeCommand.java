package dev.steward.cli;

import dev.steward.tls.CaRevocation;
import dev.steward.tls.CertificateAuthority;
import dev.steward.tls.Pem;
import dev.steward.tls.Revocations;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CRLReason;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code steward tls cert revoke} and {@code steward tls cert revoked}: a leaked certificate
 * refused by every party before it ends, as a CA's revocation list does for OpenSSL and nginx.
 * The list goes into the CA file, signed with the CA's key, so it reaches the parties the way
 * the CA file does, and each reads it again within 10 s ({@link CaRevocation}).
 */
final class TlsRevokeCommand {
    private TlsRevokeCommand() {
    }

    /** Why a certificate is revoked, as RFC 5280 names the reasons an operator gives. */
    enum Reason {
        UNSPECIFIED(CRLReason.UNSPECIFIED), KEY_COMPROMISE(CRLReason.KEY_COMPROMISE), SUPERSEDED(CRLReason.SUPERSEDED),
        CESSATION_OF_OPERATION(CRLReason.CESSATION_OF_OPERATION), AFFILIATION_CHANGED(CRLReason.AFFILIATION_CHANGED),
        PRIVILEGE_WITHDRAWN(CRLReason.PRIVILEGE_WITHDRAWN);

        final CRLReason jdk;

        Reason(CRLReason jdk) {
            this.jdk = jdk;
        }

        static final class Names extends ArrayList<String> {
            Names() {
                for (Reason r : values()) {
                    add(r.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
                }
            }
        }

        static Reason parse(String text) {
            for (Reason r : values()) {
                if (r.name().equalsIgnoreCase(text.replace('-', '_'))) {
                    return r;
                }
            }
            throw new IllegalArgumentException("--reason '" + text + "' is not one of " + String.join(", ", new Names()));
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true,
            description = {"Revoke certificates of the cluster's CA before they end (a leaked key, a machine gone): their serials go into the "
                    + "CA's revocation list, which is written into DIR/steward-ca.pem with the CA's key.",
                    "Then give every party the CA file: each reads it again within 10 s, no restart, and refuses the certificates from then "
                            + "on (the allocator also on connections made before)."})
    static final class Revoke implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(paramLabel = "CERT", arity = "0..*", description = "A certificate file to revoke (its first certificate)")
        List<Path> files = new ArrayList<>();

        @Option(names = "--serial", paramLabel = "SERIAL", description = "A serial to revoke, in hex (colons allowed), as a refusal or "
                + "'openssl x509 -serial' prints it; a certificate of the CA whose key is given (repeat it)")
        List<String> serials = new ArrayList<>();

        @Option(names = "--reason", completionCandidates = Reason.Names.class,
                description = "Why: ${COMPLETION-CANDIDATES}. Default: unspecified")
        String reason = "unspecified";

        @Option(names = "--dir", description = "Where the CA is. Default: the current directory", defaultValue = ".")
        Path dir;

        @Option(names = "--ca", description = "The CA file, written again with the list. Default: DIR/steward-ca.pem")
        Path ca;

        @Option(names = "--ca-key", description = "The CA key. Default: DIR/steward-ca-key.pem (DIR/steward-ca-previous-key.pem for a "
                + "certificate of the previous CA, during a rotation)")
        Path caKey;

        @Override
        public Integer call() {
            if (files.isEmpty() && serials.isEmpty()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "name what to revoke: a certificate file, or --serial");
            }
            Reason why;
            List<BigInteger> numbers = new ArrayList<>();
            try {
                why = Reason.parse(reason);
                for (String s : serials) {
                    numbers.add(Revocations.parseSerial(s));
                }
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            Path caFile = ca != null ? ca : dir.resolve(TlsCommand.CA + ".pem");
            try {
                Instant now = Instant.now();
                for (Path f : files) {
                    X509Certificate c = Pem.certificates(f).get(0);
                    print(CaRevocation.revoke(caFile, signerOf(caFile, c, f), c.getSerialNumber(), why.jdk, now), c.getSubjectX500Principal().getName());
                }
                CertificateAuthority current = numbers.isEmpty() ? null : CertificateAuthority.load(caFile, key(TlsCommand.CA + "-key.pem"));
                for (BigInteger n : numbers) {
                    print(CaRevocation.revoke(caFile, current, n, why.jdk, now), null);
                }
            } catch (IOException e) {
                System.err.println("steward tls cert revoke: " + e.getMessage());
                return 1;
            }
            System.out.println("==> give every party " + caFile + ": each reads it again within 10 s and refuses the revoked certificates from "
                    + "then on ('steward tls cert revoked' lists them)");
            return 0;
        }

        private Path key(String name) {
            return caKey != null ? caKey : dir.resolve(name);
        }

        /** The CA of {@code caFile} that signed {@code c}, with its key: the first CA's, or during a rotation the previous CA's. */
        private CertificateAuthority signerOf(Path caFile, X509Certificate c, Path f) throws IOException {
            List<X509Certificate> cas = Pem.certificates(caFile);
            for (int i = 0; i < cas.size(); i++) {
                X509Certificate ca = cas.get(i);
                if (!Revocations.issued(ca, c)) {
                    continue;
                }
                if (i == 0) {
                    return CertificateAuthority.load(caFile, key(TlsCommand.CA + "-key.pem"));
                }
                Path previous = dir.resolve(TlsCommand.CA + "-previous.pem");
                Path previousKey = caKey != null ? caKey : dir.resolve(TlsCommand.CA + "-previous-key.pem");
                if (!Files.exists(previous) || !Files.exists(previousKey)) {
                    throw new IOException(f + " was issued by the previous CA (" + ca.getSubjectX500Principal().getName() + "): revoking it needs "
                            + previous + " and its key " + previousKey + ", which 'steward tls ca rotate' kept");
                }
                return CertificateAuthority.load(previous, previousKey);
            }
            throw new IOException(f + " was not issued by a CA in " + caFile + " (it names " + c.getIssuerX500Principal().getName()
                    + "): nothing to revoke, no party trusts it");
        }

        private static void print(CaRevocation.Outcome o, String subject) {
            Revocations.Revoked r = o.revoked();
            String what = (subject == null ? "serial " : subject + ", serial ") + r.serialText();
            String reason = r.reasonText().isEmpty() ? "" : " (" + r.reasonText() + ")";
            System.out.println(o.already() ? "==> " + what + " was revoked already, at " + r.at() + reason + ": left as it was"
                    : "==> revoked " + what + reason + " by " + o.ca().getSubjectX500Principal().getName());
        }
    }

    @Command(name = "revoked", mixinStandardHelpOptions = true,
            description = "List the certificates the CA file's revocation lists revoke: the CA, serial, when and why.")
    static final class Revoked implements Callable<Integer> {
        @Option(names = "--dir", description = "Where the CA is. Default: the current directory", defaultValue = ".")
        Path dir;

        @Option(names = "--ca", description = "The CA file. Default: DIR/steward-ca.pem")
        Path ca;

        @Override
        public Integer call() {
            Path caFile = ca != null ? ca : dir.resolve(TlsCommand.CA + ".pem");
            Revocations all;
            try {
                all = Revocations.ofFile(caFile);
            } catch (IOException e) {
                System.err.println("steward tls cert revoked: " + e.getMessage());
                return 1;
            }
            if (all.isEmpty()) {
                System.out.println("no certificate of " + caFile + " is revoked");
                return 0;
            }
            Table t = Table.of("CA", "SERIAL", "REVOKED", "REASON");
            for (Revocations.Revoked r : all.all()) {
                t.row(r.issuer().getName(), r.serialText(), r.at().truncatedTo(ChronoUnit.SECONDS), r.reasonText().isEmpty() ? "-" : r.reasonText());
            }
            t.print(System.out);
            return 0;
        }
    }
}
