/**
 * The agent runtime: the daemon on every cluster machine. It joins the allocator
 * ({@link dev.steward.agent.Identity}, {@link dev.steward.agent.Detector}; every call through
 * {@link dev.steward.agent.AllocatorClient}, on the JDK's HTTP client to keep the agent small), heartbeats, watches
 * its tasks with a blocking query and reconciles them ({@link dev.steward.agent.Agent}); runs
 * each in a sandbox under a small shell wrapper in its own session, so tasks outlive an agent
 * restart and their exit codes are kept ({@link dev.steward.agent.Launcher},
 * {@link dev.steward.agent.TaskProcess}); runs each as a uid of its own with no_new_privs, handed on only once its leftover
 * processes and what it left in the shared temporary places are gone ({@link dev.steward.agent.TaskUsers},
 * {@link dev.steward.agent.UidSweep}, {@link dev.steward.agent.UidReleases}); gives each a /tmp, /proc, IPC and session
 * keyring of its own ({@link dev.steward.agent.TaskMounts}, {@link dev.steward.agent.TaskKeyrings}, each setting up with a
 * {@link dev.steward.agent.ShortCommand}); limits memory, cpu and processes, per allocation
 * and per task inside it, with cgroups v1 or v2 where writable ({@link dev.steward.agent.Cgroups}); checks each sandbox's disk use against its
 * allocation ({@link dev.steward.agent.DiskWatch}); restarts by policy and checks health
 * ({@link dev.steward.agent.Supervisor}, {@link dev.steward.agent.HealthWatch}, {@link dev.steward.agent.HealthProbe}); delivers status
 * reports at least once and in order ({@link dev.steward.agent.Reporter}); keeps rotated logs
 * and serves them to the allocator ({@link dev.steward.agent.LogFiles},
 * {@link dev.steward.agent.LogServer}); runs a command the allocator signed inside a running
 * task, as the task runs, bounded in time, output and number ({@link dev.steward.agent.ExecRoute},
 * {@link dev.steward.agent.TaskExec}).
 */
package dev.steward.agent;
