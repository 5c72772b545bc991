package dev.steward.pkg;

import java.util.ArrayDeque;
import java.util.Deque;

/** Lexical checks on package paths and symlink targets, with {@code /} separators. */
final class Paths {
    private Paths() {
    }

    /**
     * Why a symlink at {@code linkPath} with {@code target} leaves the package, or null if the
     * target stays inside (lexically: {@code ..} may climb only as far as the package root).
     */
    static String escapes(String linkPath, String target) {
        String t = target.replace('\\', '/');
        if (t.isEmpty()) {
            return "the target is empty";
        }
        if (t.startsWith("/")) {
            return "the target is absolute";
        }
        Deque<String> at = new ArrayDeque<>();
        String[] parts = linkPath.split("/");
        for (int i = 0; i < parts.length - 1; i++) {
            at.addLast(parts[i]);
        }
        for (String s : t.split("/")) {
            if (s.isEmpty() || s.equals(".")) {
                continue;
            }
            if (s.equals("..")) {
                if (at.isEmpty()) {
                    return "it climbs above the package root";
                }
                at.removeLast();
            } else {
                at.addLast(s);
            }
        }
        return null;
    }

    /** Why an entry name is unsafe (absolute, {@code ..}, empty or odd segments), or null. */
    static String unsafeName(String name) {
        if (name.isEmpty()) {
            return "the name is empty";
        }
        if (name.startsWith("/") || name.matches("^[A-Za-z]:.*")) {
            return "an absolute path";
        }
        if (name.indexOf('\0') >= 0 || name.indexOf('\\') >= 0) {
            return "a name with a backslash or NUL character";
        }
        for (String s : name.split("/")) {
            if (s.equals("..")) {
                return "a path with '..'";
            }
        }
        return null;
    }
}
