package dev.steward.pkg;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * File patterns in the style of Jenkins' {@code archiveArtifacts} (Ant patterns): a
 * comma-separated list such as {@code "build/libs/*.jar, config/**"}, relative to the base
 * directory, with {@code *} matching within one path segment, {@code ?} one character,
 * {@code **} any number of directories, and a trailing {@code /} meaning everything below.
 * Matching is case-sensitive and uses {@code /} as separator ({@code \} is read as {@code /}).
 */
public final class Globs {
    /** Ant's default excludes, which Jenkins applies unless told not to: version control and editor files. */
    public static final List<String> DEFAULT_EXCLUDES = List.of(
            "**/*~", "**/#*#", "**/.#*", "**/%*%", "**/._*",
            "**/CVS", "**/CVS/**", "**/.cvsignore", "**/SCCS", "**/SCCS/**", "**/vssver.scc",
            "**/.svn", "**/.svn/**", "**/.DS_Store",
            "**/.git", "**/.git/**", "**/.gitattributes", "**/.gitignore", "**/.gitmodules",
            "**/.hg", "**/.hg/**", "**/.hgignore", "**/.hgsub", "**/.hgsubstate", "**/.hgtags",
            "**/.bzr", "**/.bzr/**", "**/.bzrignore");

    private final List<String> raw;
    private final List<Pattern[]> patterns;

    private Globs(List<String> raw, List<Pattern[]> patterns) {
        this.raw = raw;
        this.patterns = patterns;
    }

    /** Pattern {@code i} as written. */
    public String pattern(int i) {
        return raw.get(i);
    }

    /** Parses a comma-separated list; blank entries are ignored. */
    public static Globs parse(String field, String list) {
        List<String> each = new ArrayList<>();
        if (list != null) {
            for (String p : list.split(",")) {
                if (!p.isBlank()) {
                    each.add(p.trim());
                }
            }
        }
        return of(field, each);
    }

    public static Globs of(String field, List<String> list) {
        List<Pattern[]> out = new ArrayList<>();
        for (String p : list) {
            out.add(compile(field, p));
        }
        return new Globs(List.copyOf(list), out);
    }

    public boolean isEmpty() {
        return patterns.isEmpty();
    }

    public int size() {
        return patterns.size();
    }

    /** Whether any pattern matches the relative path {@code a/b/c}. */
    public boolean matches(String path) {
        for (int i = 0; i < patterns.size(); i++) {
            if (matches(i, path)) {
                return true;
            }
        }
        return false;
    }

    /** Whether pattern {@code i} matches. */
    public boolean matches(int i, String path) {
        return match(patterns.get(i), 0, path.split("/"), 0);
    }

    /**
     * Whether everything below directory {@code dir} is matched, so a scan need not descend
     * into it (an exclude such as {@code **}{@code /.git/**}).
     */
    public boolean coversTree(String dir) {
        for (Pattern[] p : patterns) {
            if (p.length >= 2 && p[p.length - 1] == null && p[p.length - 2] != null
                    && match(java.util.Arrays.copyOf(p, p.length - 1), 0, dir.split("/"), 0)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return String.join(", ", raw);
    }

    /** One compiled pattern: a regex per segment, null for {@code **}. */
    private static Pattern[] compile(String field, String raw) {
        String p = raw.replace('\\', '/');
        if (p.startsWith("/")) {
            throw new dev.steward.api.ValidationException(field, "'" + raw + "' is absolute; patterns are relative to the base directory");
        }
        if (p.endsWith("/")) {
            p = p + "**";
        }
        String[] segs = p.split("/+");
        List<Pattern> out = new ArrayList<>();
        for (String s : segs) {
            if (s.equals("..")) {
                throw new dev.steward.api.ValidationException(field, "'" + raw + "' uses '..'; patterns cannot leave the base directory");
            }
            if (s.equals(".") || s.isEmpty()) {
                continue;
            }
            if (s.equals("**")) {
                if (!out.isEmpty() && out.get(out.size() - 1) == null) {
                    continue; // a/**/**/b is a/**/b
                }
                out.add(null);
            } else {
                out.add(Pattern.compile(segmentRegex(s)));
            }
        }
        if (out.isEmpty()) {
            throw new dev.steward.api.ValidationException(field, "'" + raw + "' matches nothing; use ** for everything");
        }
        return out.toArray(new Pattern[0]);
    }

    private static String segmentRegex(String s) {
        StringBuilder r = new StringBuilder();
        for (char c : s.toCharArray()) {
            switch (c) {
                case '*' -> r.append("[^/]*");
                case '?' -> r.append("[^/]");
                default -> r.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return r.toString();
    }

    private static boolean match(Pattern[] p, int pi, String[] s, int si) {
        while (pi < p.length) {
            if (p[pi] == null) {
                if (pi == p.length - 1) {
                    return true; // a trailing ** takes the rest
                }
                for (int k = si; k <= s.length; k++) {
                    if (match(p, pi + 1, s, k)) {
                        return true;
                    }
                }
                return false;
            }
            if (si >= s.length || !p[pi].matcher(s[si]).matches()) {
                return false;
            }
            pi++;
            si++;
        }
        return si == s.length;
    }
}
