package dev.steward.steps;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Stands in for Jenkins' {@code agent.jar} in a real allocation: it expands {@code @FILE}
 * arguments as args4j does (each line of the file an argument), then prints what it was given
 * and whether the secret it ended up with also appears in its environment.
 */
public final class FakeAgentJar {
    private FakeAgentJar() {
    }

    public static void main(String[] raw) throws Exception {
        List<String> args = new ArrayList<>();
        for (String a : raw) {
            if (a.startsWith("@")) {
                args.addAll(Files.readAllLines(Path.of(a.substring(1))));
            } else {
                args.add(a);
            }
        }
        String secret = args.get(args.indexOf("-secret") + 1);
        System.out.println("raw: " + String.join(" ", raw));
        System.out.println("secret: " + secret);
        System.out.println("in-env: " + System.getenv().values().stream().anyMatch(v -> v.contains(secret)));
        System.out.println("workdir: " + Files.isDirectory(Path.of(args.get(args.indexOf("-workDir") + 1))));
    }
}
