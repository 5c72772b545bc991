/**
 * The {@code steward} command (picocli): one subcommand per face of the model. For now
 * {@code steward server}, the allocator as a process; the client subcommands, {@code agent}
 * and {@code dev} arrive with their issues. Flags are the request fields' names.
 */
package dev.steward.cli;
