package dev.steward.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * A task's kernel keyrings are its own. Two ways they were not:
 * <ul>
 *   <li><b>The session keyring.</b> A process inherits its parent's, and a key in it is readable by
 *   every process that holds it (the keyring's "possessor"), whatever its uid. Under systemd
 *   ({@code KeyringMode=private}, a system service's default) the agent has one, so every task of
 *   every tenant held the same: a Kerberos ticket one task kept there ({@code KEYRING:session}) was
 *   another's to read. The wrapper now joins a new, empty session keyring before it starts the
 *   command ({@code keyctl new_session}, as runc does for each container); it goes with the task's
 *   last process.</li>
 *   <li><b>The uid's own keyrings.</b> A uid's user keyring ({@code @u}), user session keyring
 *   ({@code @us}) and persistent keyring outlive its processes, so the next task given that uid
 *   found what the last one left there. When a uid is given back, {@link #clear} empties them,
 *   as that uid ({@link UidSweep}).</li>
 * </ul>
 * Both need {@code keyctl} (keyutils); without it the agent says so at start, tasks share the
 * agent's session keyring, and a uid whose keyrings hold anything stays leased.
 */
final class TaskKeyrings {
    private static final List<Path> KEYCTL = List.of(Path.of("/usr/bin/keyctl"), Path.of("/bin/keyctl"), Path.of("/usr/sbin/keyctl"));

    private TaskKeyrings() {
    }

    /**
     * Gives {@code launcher} keyctl where tasks run as uids of their own ({@code perTaskUsers}) and
     * keyutils is installed; says in the agent's log what tasks share where it is not.
     */
    static void configure(Launcher launcher, boolean perTaskUsers) {
        launcher.keyctl = perTaskUsers ? keyctl() : null;
        if (perTaskUsers && launcher.keyctl == null) {
            java.util.logging.Logger.getLogger(Agent.class.getName()).warning("tasks share this agent's session keyring, and a uid whose keyrings "
                    + "hold keys stays leased (keyctl, from keyutils, is not installed)");
        }
    }

    /** The keyctl program, or null when keyutils is not installed. */
    static Path keyctl() {
        for (Path p : KEYCTL) {
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /** The uids among {@code uids} that the kernel keeps keys for ({@code /proc/key-users}): those whose keyrings may hold something. */
    static Set<Integer> withKeys(Set<Integer> uids) {
        Set<Integer> out = new TreeSet<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(Path.of("/proc/key-users"));
        } catch (IOException | RuntimeException e) {
            return out; // no keyrings here
        }
        for (String line : lines) {
            int colon = line.indexOf(':');
            try {
                int uid = colon < 0 ? -1 : Integer.parseInt(line.substring(0, colon).trim());
                if (uids.contains(uid)) {
                    out.add(uid);
                }
            } catch (NumberFormatException e) {
                // not a user's line
            }
        }
        return out;
    }

    /**
     * Empties the persistent, user and user session keyrings of {@code uid}, as that uid (no
     * process of it is left: the caller killed them). Null when done, else why not.
     */
    static String clear(int uid) {
        Path keyctl = keyctl();
        if (keyctl == null) {
            return "keys in its keyrings (keyctl, from keyutils, is not installed to clear them)";
        }
        String k = keyctl.toString();
        String script = "p=$(" + k + " get_persistent @u 2>/dev/null) && " + k + " clear \"$p\"; " + k + " clear @u && " + k + " clear @us";
        String why = ShortCommand.failure(List.of("setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups", "--", "/bin/sh", "-c", script),
                "keyctl clear");
        return why == null ? null : "its keyrings (" + why + ")";
    }
}
