package dev.steward.cli;

import dev.steward.tls.CertificateAuthority;
import dev.steward.tls.CertificateAuthority.Kind;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code steward tls}: a CA for the cluster and certificates from it, as {@code nomad tls}
 * makes them. Keys are written 0600, certificates 0644; nothing existing is replaced.
 */
@Command(name = "tls", mixinStandardHelpOptions = true, description = "Make a cluster CA and certificates for TLS.",
        subcommands = {TlsCommand.Ca.class, TlsCommand.Cert.class})
final class TlsCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    static final String CA = "steward-ca";

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a subcommand: 'steward tls ca create' or 'steward tls cert create'");
    }

    @Command(name = "ca", mixinStandardHelpOptions = true, description = "The cluster's certificate authority.",
            subcommands = {Ca.Create.class, Rotate.class, Finish.class})
    static final class Ca implements Runnable {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            throw new CommandLine.ParameterException(spec.commandLine(), "name a subcommand: 'steward tls ca create', 'rotate' or 'finish'");
        }

        @Command(name = "create", mixinStandardHelpOptions = true,
                description = "Make a CA: DIR/steward-ca.pem (give it to every party) and DIR/steward-ca-key.pem (keep it safe).")
        static final class Create implements Callable<Integer> {
            @Option(names = "--dir", description = "Where to write. Default: the current directory", defaultValue = ".")
            Path dir;

            @Option(names = "--name", description = "The CA's common name. Default: ${DEFAULT-VALUE}", defaultValue = "Steward cluster CA")
            String name;

            @Option(names = "--days", description = "How long it is valid. Default: ${DEFAULT-VALUE}", defaultValue = "1825")
            int days;

            @Override
            public Integer call() throws Exception {
                Files.createDirectories(dir);
                CertificateAuthority ca = CertificateAuthority.create(name, Duration.ofDays(days), Clock.systemUTC());
                ca.ca().write(dir, CA);
                System.out.println("==> CA certificate: " + dir.resolve(CA + ".pem") + ", valid until "
                        + ca.ca().certificate().getNotAfter().toInstant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
                System.out.println("==> CA key:         " + dir.resolve(CA + "-key.pem") + " (0600: it signs every certificate of the cluster)");
                return 0;
            }
        }
    }

    /** A CA rotation's steps, as its first step prints them. */
    static final String ROTATION_STEPS = "1. give every party (allocators, agents, clients) the new %s: it holds both CAs, and each party reads it "
            + "again within 10 s, no restart;%n2. issue each party's certificate again ('steward tls cert create', now from the new CA) and write it "
            + "over the old one;%n3. then 'steward tls ca finish --dir %s' and give every party the CA file again: the old CA's certificates are "
            + "refused from then on.%n";

    @Command(name = "rotate", mixinStandardHelpOptions = true,
            description = {"Start replacing the CA with no moment where parties refuse each other: a new CA; DIR/steward-ca.pem becomes a bundle "
                    + "of the new CA and the old (both trusted), DIR/steward-ca-key.pem the new CA's key, and the old CA's files are kept as "
                    + "DIR/steward-ca-previous.pem and DIR/steward-ca-previous-key.pem.",
                    "Then give every party the bundle, issue their certificates again, and run 'steward tls ca finish'."})
    static final class Rotate implements Callable<Integer> {
        @Option(names = "--dir", description = "Where the CA is. Default: the current directory", defaultValue = ".")
        Path dir;

        @Option(names = "--name", description = "The new CA's common name. Default: ${DEFAULT-VALUE}", defaultValue = "Steward cluster CA")
        String name;

        @Option(names = "--days", description = "How long the new CA is valid. Default: ${DEFAULT-VALUE}", defaultValue = "1825")
        int days;

        @Override
        public Integer call() throws Exception {
            CertificateAuthority fresh;
            try {
                fresh = dev.steward.tls.CaRotation.start(dir, CA, name, Duration.ofDays(days), Clock.systemUTC());
            } catch (java.io.IOException e) {
                System.err.println("steward tls ca rotate: " + e.getMessage());
                return 1;
            }
            System.out.println("==> new CA: " + dir.resolve(CA + ".pem") + " (the new CA, then the old), valid until "
                    + fresh.ca().certificate().getNotAfter().toInstant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
            System.out.println("==> its key: " + dir.resolve(CA + "-key.pem") + " (0600); the old CA's: " + dir.resolve(CA + "-previous.pem")
                    + ", " + dir.resolve(CA + "-previous-key.pem"));
            System.out.printf(ROTATION_STEPS, dir.resolve(CA + ".pem"), dir);
            return 0;
        }
    }

    @Command(name = "finish", mixinStandardHelpOptions = true,
            description = "Finish a CA rotation ('steward tls ca rotate'), once every party has a certificate of the new CA: DIR/steward-ca.pem "
                    + "holds the new CA alone and the old CA's files go. Give every party the CA file again.")
    static final class Finish implements Callable<Integer> {
        @Option(names = "--dir", description = "Where the CA is. Default: the current directory", defaultValue = ".")
        Path dir;

        @Override
        public Integer call() throws Exception {
            java.security.cert.X509Certificate kept;
            try {
                kept = dev.steward.tls.CaRotation.finish(dir, CA);
            } catch (java.io.IOException e) {
                System.err.println("steward tls ca finish: " + e.getMessage());
                return 1;
            }
            System.out.println("==> " + dir.resolve(CA + ".pem") + " holds the new CA alone (" + kept.getSubjectX500Principal().getName()
                    + ", valid until " + kept.getNotAfter().toInstant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + "); the old CA's files are "
                    + "gone. Give every party this file: each reads it again within 10 s, and refuses the old CA's certificates from then on.");
            return 0;
        }
    }

    @Command(name = "cert", mixinStandardHelpOptions = true, description = "Certificates from the cluster's CA.",
            subcommands = {Cert.Create.class, TlsRevokeCommand.Revoke.class, TlsRevokeCommand.Revoked.class})
    static final class Cert implements Runnable {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            throw new CommandLine.ParameterException(spec.commandLine(), "name a subcommand: 'steward tls cert create', 'revoke' or 'revoked'");
        }

        @Command(name = "create", mixinStandardHelpOptions = true,
                description = "Issue a certificate: --server for the allocator, --agent for an agent (its log server, and mutual TLS), "
                        + "--client for the CLI or the Jenkins plugin. Writes DIR/KIND.pem and DIR/KIND-key.pem (or --out).")
        static final class Create implements Callable<Integer> {
            @CommandLine.Spec
            CommandLine.Model.CommandSpec spec;

            @CommandLine.ArgGroup(multiplicity = "1")
            KindChoice kind;

            static final class KindChoice {
                @Option(names = "--server", description = "For the allocator", required = true)
                boolean server;

                @Option(names = "--agent", description = "For an agent", required = true)
                boolean agent;

                @Option(names = "--client", description = "For a client (CLI, Jenkins)", required = true)
                boolean client;
            }

            @Option(names = "--dir", description = "Where the CA is and the certificate goes. Default: the current directory", defaultValue = ".")
            Path dir;

            @Option(names = "--ca", description = "The CA certificate. Default: DIR/steward-ca.pem")
            Path ca;

            @Option(names = "--ca-key", description = "The CA key. Default: DIR/steward-ca-key.pem")
            Path caKey;

            @Option(names = "--name", description = "A host name or IP address clients reach it by (repeat it); localhost, 127.0.0.1 and ::1 "
                    + "are always in a server's or agent's certificate")
            List<String> names = new ArrayList<>();

            @Option(names = "--out", description = "File stem. Default: server, agent or client")
            String out;

            @Option(names = "--days", description = "How long it is valid. Default: ${DEFAULT-VALUE}", defaultValue = "365")
            int days;

            @Override
            public Integer call() throws Exception {
                Kind k = kind.server ? Kind.SERVER : kind.agent ? Kind.AGENT : Kind.CLIENT;
                List<String> all = new ArrayList<>(names);
                if (k != Kind.CLIENT) {
                    for (String local : List.of("localhost", "127.0.0.1", "::1")) {
                        if (!all.contains(local)) {
                            all.add(local);
                        }
                    }
                } else if (all.isEmpty()) {
                    all.add("steward-client");
                }
                for (String n : all) {
                    if (!n.matches("[A-Za-z0-9.:*-]{1,253}")) {
                        throw new CommandLine.ParameterException(spec.commandLine(), "--name '" + n + "' is not a host name or IP address");
                    }
                }
                CertificateAuthority authority = CertificateAuthority.load(ca != null ? ca : dir.resolve(CA + ".pem"),
                        caKey != null ? caKey : dir.resolve(CA + "-key.pem"));
                String stem = out != null ? out : k.fileStem();
                CertificateAuthority.Issued issued = authority.issue(k, all, Clock.systemUTC().instant(), Duration.ofDays(days));
                issued.write(dir, stem);
                System.out.println("==> " + k.fileStem() + " certificate: " + dir.resolve(stem + ".pem") + " for " + String.join(", ", all)
                        + ", valid until " + issued.certificate().getNotAfter().toInstant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                        + " (then every party refuses it: write the next over it before, no restart needed); serial "
                        + dev.steward.tls.Revocations.serialText(issued.certificate().getSerialNumber()));
                System.out.println("==> key:                " + dir.resolve(stem + "-key.pem") + " (0600)");
                return 0;
            }
        }
    }
}
