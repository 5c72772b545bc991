package dev.steward.cli;

import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/**
 * {@code steward completion bash|zsh}: a script that completes steward's commands, subcommands and
 * options at the Tab key, as {@code kubectl completion bash} does. It is picocli's, generated from
 * the same command model that parses the command line, so it never names an option that is not
 * there. One script serves both shells (zsh through its bash completion layer).
 */
@Command(name = "completion", mixinStandardHelpOptions = true, description = "Print a script that completes steward's commands and options in bash or zsh.",
        footer = {"", "In this shell:", "  source <(steward completion bash)", "In every new bash:",
                "  steward completion bash > ~/.local/share/bash-completion/completions/steward", "In every new zsh, in ~/.zshrc:",
                "  source <(steward completion zsh)"})
final class CompletionCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SHELL", description = "bash or zsh")
    String shell;
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (!shell.equals("bash") && !shell.equals("zsh")) {
            throw new ParameterException(spec.commandLine(), "SHELL: '" + shell + "' is not bash or zsh (the script serves both)");
        }
        System.out.print(AutoComplete.bash("steward", spec.root().commandLine()));
        System.out.flush();
        return 0;
    }
}
