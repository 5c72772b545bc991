package dev.steward.jenkins;

import hudson.AbortException;
import hudson.model.Run;
import jenkins.model.Jenkins;

/** Addresses of this controller, which {@link Jenkins#getRootUrl()} gives only once "Jenkins URL" is configured. */
final class BuildUrls {
    private BuildUrls() {
    }

    /** The build's absolute URL, or null when the Jenkins URL is not configured (the revision then records no build). */
    static String of(Run<?, ?> run) {
        String root = Jenkins.get().getRootUrl();
        return run == null || root == null ? null : root + run.getUrl();
    }

    /** The controller's URL, which agents started in allocations connect back to; an error saying what to set when there is none. */
    static String root() throws AbortException {
        String root = Jenkins.get().getRootUrl();
        if (root == null) {
            throw new AbortException("the Jenkins URL is not configured, and Steward's agents connect back to it: "
                    + "set it in Manage Jenkins > System > Jenkins Location > Jenkins URL");
        }
        return root;
    }
}
