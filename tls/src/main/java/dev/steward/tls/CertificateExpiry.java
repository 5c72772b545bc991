package dev.steward.tls;

import java.io.IOException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * When one of a party's TLS certificates stops being valid: its own ({@code own}, the first of its
 * chain) or a CA it trusts ({@code ca}). A certificate that expires does so for every connection at
 * once, a year after {@code steward tls cert create} by default: the allocator and the agents say
 * so in their logs as they start, from {@link #WARN_WITHIN} before, and export the time as a
 * metric that an alert watches (as {@code kubeadm certs check-expiration} and the x509 exporters).
 * What to say is decided here, from the time it is: pure, so it is tested alone.
 */
public record CertificateExpiry(String which, Path file, String subject, Instant notAfter) {
    /** How long before its end a certificate is warned about: the alert's horizon too. */
    public static final Duration WARN_WITHIN = Duration.ofDays(30);

    /** The party's own certificate (when it has one) and each CA it trusts from a file. */
    public static List<CertificateExpiry> of(TlsFiles files) throws IOException {
        List<CertificateExpiry> out = new ArrayList<>();
        if (files.cert() != null) {
            out.add(of("own", files.cert(), files.leaf()));
        }
        if (files.caCert() != null) {
            for (X509Certificate ca : Pem.certificates(files.caCert())) {
                out.add(of("ca", files.caCert(), ca));
            }
        }
        return out;
    }

    /** As {@link #of(TlsFiles)}, telling {@code warn} what {@link #warning} says of each at {@code now}: what a party does as it starts. */
    public static List<CertificateExpiry> of(TlsFiles files, Instant now, java.util.function.Consumer<String> warn) throws IOException {
        List<CertificateExpiry> all = of(files);
        for (CertificateExpiry c : all) {
            String w = c.warning(now);
            if (w != null) {
                warn.accept(w);
            }
        }
        return all;
    }

    /**
     * When the party's certificates end, read again whenever their files change on disk (a
     * renewed certificate is picked up by the connections without a restart, {@link TlsFiles#context()},
     * and so by what reports it); {@code first} until then, and the last good reading while the
     * files do not load. For a gauge, or a heartbeat: a few file stats when nothing changed.
     */
    public static java.util.function.Supplier<List<CertificateExpiry>> watch(TlsFiles files, List<CertificateExpiry> first) {
        Path[] paths = java.util.stream.Stream.of(files.cert(), files.key(), files.caCert()).filter(java.util.Objects::nonNull).toArray(Path[]::new);
        return new java.util.function.Supplier<>() {
            private FileStamp stamp = FileStamp.of(paths);
            private List<CertificateExpiry> last = List.copyOf(first);

            @Override
            public synchronized List<CertificateExpiry> get() {
                FileStamp now = FileStamp.of(paths);
                if (!now.same(stamp)) {
                    try {
                        last = List.copyOf(of(files));
                        stamp = now;
                    } catch (IOException | RuntimeException notYet) {
                        // written halfway: the last reading stands, and the next call reads again
                    }
                }
                return last;
            }
        };
    }

    static CertificateExpiry of(String which, Path file, X509Certificate c) {
        return new CertificateExpiry(which, file, c.getSubjectX500Principal().getName(), c.getNotAfter().toInstant());
    }

    /** Seconds since the epoch at which it ends, for the metric. */
    public double notAfterSeconds() {
        return notAfter.getEpochSecond();
    }

    /**
     * What to log at {@code now}: null while more than {@link #WARN_WITHIN} is left; else when it
     * ends (or ended), what that does, and how to renew it.
     */
    public String warning(Instant now) {
        if (now.plus(WARN_WITHIN).isBefore(notAfter)) {
            return null;
        }
        String what = (which.equals("ca") ? "the CA certificate " : "the TLS certificate ") + file + " (" + subject + ")";
        String renew = which.equals("ca")
                ? "make a new CA ('steward tls ca create'), issue every party's certificate from it, and give each the new CA"
                : "issue a new one from the cluster's CA ('steward tls cert create') and write it over the old files (read again within 10 s; no restart)";
        if (!now.isBefore(notAfter)) {
            return what + " expired at " + notAfter + ": every party that checks it refuses the connection; " + renew;
        }
        long days = Duration.between(now, notAfter).toDays();
        return what + " expires at " + notAfter + ", in " + (days == 0 ? "less than a day" : days == 1 ? "1 day" : days + " days")
                + ": then every party that checks it refuses the connection; " + renew;
    }
}
