/**
 * The Pipeline steps' behaviour without Jenkins: {@link dev.steward.steps.PackageRun}
 * (packageApp), {@link dev.steward.steps.AllocateSession} (allocate: wait and say why, the
 * STEWARD_* environment, lease renewal, release on every ending, re-attach after a controller
 * restart), {@link dev.steward.steps.DeployWatch} (deploy: start or join, progress lines, the
 * outcome; with {@code dryRun}, {@link dev.steward.steps.DeployPlanRun}: the plan; with
 * {@code secretCredentials}, {@link dev.steward.steps.SecretSync}: the service's secrets set first; rollbackService: {@link
 * dev.steward.steps.DeployWatch#rollback}, restartService: {@link dev.steward.steps.DeployWatch#restart}, each followed the same way), {@link dev.steward.steps.MonitorRun} (monitor: verdict, reports, build result),
 * {@link dev.steward.steps.ServiceDelete} (deleteService: delete, wait until gone),
 * {@link dev.steward.steps.TaskCommand} (execService: a command once in a service's instance,
 * answered as {@code sh} answers; the instance named as the CLI names it, {@link
 * dev.steward.steps.Instances}) and the
 * Cloud's decisions ({@link dev.steward.steps.CloudPlanner}, {@link dev.steward.steps.AllocationWatch}),
 * {@link dev.steward.steps.PendingReleases} (releases to retry); {@link dev.steward.steps.Masking}
 * keeps the role token out of whatever they write. Each talks to the allocator through
 * the client and to Jenkins through a {@link dev.steward.steps.StepListener}; the plugin's classes
 * only translate arguments in and results out. Waits hold no thread: each is a future that
 * completes at the event or at an absolute deadline the step saves, followed by a short
 * synchronous step ({@code placed}, {@code outcome}, {@code verdict}); the blocking forms the CLI
 * uses are the same futures joined.
 */
package dev.steward.steps;
