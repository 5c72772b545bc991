/**
 * The Jenkins face of Steward: Pipeline steps {@code packageApp}, {@code allocate}, {@code deploy},
 * {@code monitor}, {@code rollbackService}, {@code restartService} and {@code deleteService}, a {@link hudson.slaves.Cloud} of elastic executors, and the global
 * configuration. These classes only translate: arguments in, log lines and results out. What
 * the steps do lives in {@code dev.steward.steps} (module {@code steps}), built and tested against
 * a real allocator and agents in the default build.
 */
package dev.steward.jenkins;
