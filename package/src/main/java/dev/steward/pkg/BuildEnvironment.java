package dev.steward.pkg;

import dev.steward.api.Provenance;

import java.time.Instant;
import java.util.Map;

/**
 * Provenance from a build's environment, as Jenkins sets it: {@code BUILD_URL}, {@code JOB_NAME},
 * {@code BUILD_NUMBER}, {@code GIT_COMMIT}; the build time from {@code SOURCE_DATE_EPOCH}
 * (the reproducible-builds convention), never from the clock. An explicit value wins over the
 * environment's.
 */
public final class BuildEnvironment {
    private BuildEnvironment() {
    }

    public static Provenance provenance(Map<String, String> env, Provenance given) {
        Provenance g = given == null ? Provenance.NONE : given;
        String builtAt = g.builtAt();
        if (builtAt == null && env.get("SOURCE_DATE_EPOCH") != null) {
            try {
                builtAt = Instant.ofEpochSecond(Long.parseLong(env.get("SOURCE_DATE_EPOCH").trim())).toString();
            } catch (NumberFormatException e) {
                throw new dev.steward.api.ValidationException("SOURCE_DATE_EPOCH", "'" + env.get("SOURCE_DATE_EPOCH") + "' is not whole seconds since 1970");
            }
        }
        return new Provenance(first(g.buildUrl(), env.get("BUILD_URL")), first(g.job(), env.get("JOB_NAME")), first(g.buildNumber(), env.get("BUILD_NUMBER")),
                first(g.gitCommit(), env.get("GIT_COMMIT")), g.createdBy(), builtAt);
    }

    private static String first(String a, String b) {
        return a != null ? a : (b == null || b.isBlank() ? null : b);
    }
}
