package dev.steward.api;

/** What a deploy did: the deployment it started (null for a no-op or a scale), the revision, and a sentence saying so. */
public record DeployResult(DeploymentInfo deployment, RevisionInfo revision, boolean noop, String message) {
}
