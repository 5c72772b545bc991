/**
 * The {@code steward} command (picocli): one subcommand per face of the model, their flags the
 * request fields' names. {@code server}, {@code agent} and {@code dev} (the embedded default:
 * an allocator and a local agent in one process, registered in {@link dev.steward.cli.DevRegistry}
 * so the other commands find it) run the parts; the client subcommands ({@code allocate},
 * {@code package}, {@code deploy}, {@code rollout}, {@code monitor}, {@code logs},
 * {@code status}, ...) and the admin's ({@code roles}, {@code tokens}, {@code agents},
 * {@code requests}) talk to an allocator through {@link dev.steward.cli.Connection}, check
 * names before any request, and follow rollouts with a live view.
 */
package dev.steward.cli;
