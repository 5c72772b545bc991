package dev.steward.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code steward completion bash}, sourced in a real bash and asked what a Tab would offer, as
 * bash asks it: the words typed so far in COMP_WORDS, the one being completed at COMP_CWORD.
 */
class CompletionCommandTest {
    @TempDir
    Path dir;

    /** What the script offers for the words typed so far, the last being completed. */
    private List<String> offered(Path script, String... words) throws Exception {
        StringBuilder array = new StringBuilder();
        for (String w : words) {
            array.append(" '").append(w).append('\'');
        }
        String line = "steward " + String.join(" ", words);
        // compopt works only inside a completion bash itself runs (at a Tab): here a function stands in for it
        String program = "compopt() { :; }\nsource " + script + "\nCOMP_WORDS=(steward" + array + ")\nCOMP_CWORD=" + words.length + "\nCOMP_LINE='" + line
                + "'\nCOMP_POINT=" + line.length() + "\n_complete_steward\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n";
        Process p = new ProcessBuilder("bash", "-c", program).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out.lines().map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    @Test
    void bashOffersTheCommandsSubcommandsAndOptionsThatAreThere() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/bin/bash")), "bash is not installed");
        CliRun r = CliRun.of("completion", "bash");
        assertThat(r.code()).as(r.err()).isZero();
        Path script = Files.writeString(dir.resolve("steward.bash"), r.out());

        assertThat(offered(script, "dep")).containsExactly("deploy");
        assertThat(offered(script, "ro")).containsExactlyInAnyOrder("rollout", "rollback", "roles");
        assertThat(offered(script, "rollout", "")).contains("watch", "abort", "pause", "resume", "promote", "status");
        assertThat(offered(script, "restart", "web", "--ins")).containsExactly("--instance");
        assertThat(offered(script, "deploy", "web", "--max-")).contains("--max-surge", "--max-unavailable");
        assertThat(offered(script, "dev", "--po")).containsExactlyInAnyOrder("--port", "--ports");
        assertThat(offered(script, "nosuch")).isEmpty();
    }

    @Test
    void zshIsServedByTheSameScriptAndAnotherShellIsAUsageError() {
        assertThat(CliRun.of("completion", "zsh").out()).isEqualTo(CliRun.of("completion", "bash").out()).contains("bashcompinit");
        CliRun fish = CliRun.of("completion", "fish");
        assertThat(fish.code()).isEqualTo(2);
        assertThat(fish.err()).contains("SHELL: 'fish' is not bash or zsh");
    }
}
