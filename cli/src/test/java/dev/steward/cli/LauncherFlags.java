package dev.steward.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The JVM flags the {@code ./steward} script gives each command, read from its table (the
 * {@code case} on the first argument), so that tests which run the jar as a process run each
 * command as a user's {@code ./steward} does, and the table has one home.
 */
final class LauncherFlags {
    static final Path SCRIPT = Path.of("..", "steward").toAbsolutePath().normalize();
    private static final Pattern ROW = Pattern.compile("^\\s*([a-z|*]+)\\) STEWARD_JAVA_OPTS=\"([^\"]*)\"( short=1)? ;;\\s*$");
    private static final Map<String, List<String>> TABLE = read(SCRIPT);

    private LauncherFlags() {
    }

    /** Each pattern of the script's table ({@code "agent"}, {@code "*"}, ...) and its flags, in the table's order. */
    static Map<String, List<String>> read(Path script) {
        Map<String, List<String>> table = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(script)) {
                Matcher m = ROW.matcher(line);
                if (m.matches()) {
                    List<String> flags = m.group(2).isBlank() ? List.of() : List.of(m.group(2).trim().split(" +"));
                    for (String command : m.group(1).split("\\|")) {
                        table.put(command, flags);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (!table.containsKey("*")) {
            throw new IllegalStateException(script + " has no table of JVM flags by command (or its form changed): " + table);
        }
        return table;
    }

    /** The flags the script gives {@code java} for {@code args}. */
    static List<String> of(String... args) {
        String command = args.length == 0 ? "" : args[0];
        return TABLE.getOrDefault(command, TABLE.get("*"));
    }

    /** {@code java FLAGS -jar JAR ARGS} with {@code extra} before the jar, as the script runs it. */
    static List<String> command(Path jar, List<String> extra, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(of(args));
        cmd.addAll(extra);
        cmd.add("-jar");
        cmd.add(jar.toString());
        cmd.addAll(Arrays.asList(args));
        return cmd;
    }
}
