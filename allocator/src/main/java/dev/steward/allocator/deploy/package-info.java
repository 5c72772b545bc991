/**
 * Services and their rollouts. {@link dev.steward.allocator.deploy.Reconciler} is a pure
 * function from a service, its deployment, its instances and the time to the actions that move
 * it on (place, stop, mark available, advance a canary step, switch, succeed, fail, roll back),
 * with the arithmetic of Kubernetes Deployments for rolling updates; {@link dev.steward.allocator.deploy.Holds}
 * is its part for a rollout that holds (paused, a canary not yet promoted), which keeps each
 * revision's count through losses and drains as a ReplicaSet does, and moves a running rollout's
 * own instances off draining agents at every step; {@link dev.steward.allocator.deploy.Steady}
 * is its part for a service with no rollout under way. The
 * {@link dev.steward.allocator.deploy.Services} controller, part of the cluster state on its owner
 * thread, observes instances through their allocations and tasks ({@link
 * dev.steward.allocator.deploy.InstanceObserver}), asks the reconciler, and applies its actions
 * (the Controller) in the same command, so a crash at any point resumes from durable state.
 * {@link dev.steward.allocator.deploy.Deletes} deletes a service: no instance wanted, then, once
 * the steady state has stopped the last, the service and all it keeps are forgotten.
 * {@link dev.steward.allocator.deploy.ServiceSecrets} keeps the values roles set for their
 * services, which a revision names by version and an instance's task gets when it is made.
 * A restart of a whole service is a new revision with the spec that runs ({@link dev.steward.allocator.deploy.Restarts});
 * {@link dev.steward.allocator.deploy.InstanceRestarts} restarts one instance by asking its
 * allocation to leave, so the reconciler moves it as it moves a draining agent's.
 */
package dev.steward.allocator.deploy;
