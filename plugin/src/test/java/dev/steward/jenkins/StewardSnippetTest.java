package dev.steward.jenkins;

import java.net.URL;
import java.util.List;
import org.htmlunit.HttpMethod;
import org.htmlunit.WebRequest;
import org.htmlunit.util.NameValuePair;
import org.jenkinsci.plugins.workflow.cps.Snippetizer;
import org.jenkinsci.plugins.workflow.cps.SnippetizerTester;
import org.junit.jupiter.api.Test;
import org.jvnet.hudson.test.JenkinsRule;
import org.jvnet.hudson.test.junit.jupiter.WithJenkins;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Snippet Generator makes calls that work: the form's fields bind (text areas into lists,
 * check boxes into booleans), the generated Groovy names every argument set, leaves out the
 * defaults, and parses back into the same step.
 */
@WithJenkins
class StewardSnippetTest {
    @Test
    void deployFromTheFormGivesAWorkingCall(JenkinsRule r) throws Exception {
        String groovy = generate(r, "{'stapler-class':'" + DeployStep.class.getName() + "', 'app':'web', 'env':'prod', 'packageDigest':'sha256:"
                + "a".repeat(64) + "', 'ports':'http\\ndb', 'vars':'JAVA_OPTS=-Xmx1g\\nMODE=prod', 'secrets':'db-password, tls.key', 'steps':'10%:5m:error-rate < 1%\\n50%:promote', "
                + "'constraints':'rack!=r1', 'restart':'attempts=5, delay=2s', 'autoRollback':false, 'abortDeployment':true}");
        assertThat(groovy).startsWith("deploy ").contains("app: 'web'", "env: 'prod'", "ports: ['http', 'db']", "vars: ['JAVA_OPTS=-Xmx1g', 'MODE=prod']",
                "secrets: ['db-password', 'tls.key']", "steps: ['10%:5m:error-rate < 1%', '50%:promote']", "constraints: ['rack!=r1']", "restart: 'attempts=5, delay=2s'",
                "autoRollback: false").doesNotContain("abortDeployment"); // on is the default
        DeployStep expected = new DeployStep("web", "prod");
        expected.setPackageDigest("sha256:" + "a".repeat(64));
        expected.setPorts(List.of("http", "db"));
        expected.setVars(List.of("JAVA_OPTS=-Xmx1g", "MODE=prod"));
        expected.setSecrets(List.of("db-password", "tls.key"));
        expected.setSteps(List.of("10%:5m:error-rate < 1%", "50%:promote"));
        expected.setConstraints(List.of("rack!=r1"));
        expected.setRestart("attempts=5, delay=2s");
        expected.setAutoRollback(false);
        new SnippetizerTester(r).assertParseStep(expected, groovy);
    }

    @Test
    void allocateAndMonitorAndPackageAppFromTheForm(JenkinsRule r) throws Exception {
        assertThat(generate(r, "{'stapler-class':'" + AllocateStep.class.getName() + "', 'cpus':'2', 'ports':'db, cache', 'scalars':'fpga=1', "
                + "'constraints':'os=linux\\ndistinct', 'preemptible':true, 'gang':false, 'executor':false, 'wait':'1h'}"))
                .startsWith("allocate(").contains("cpus: '2'", "ports: ['db', 'cache']", "scalars: ['fpga=1']", "constraints: ['os=linux', 'distinct']",
                        "preemptible: true").doesNotContain("gang", "executor", "wait");
        assertThat(generate(r, "{'stapler-class':'" + MonitorStep.class.getName() + "', 'app':'web', 'env':'prod', 'gates':'error-rate < 1%\\np99 < 250ms', "
                + "'rollbackOnFail':true, 'failOnInconclusive':false}"))
                .startsWith("monitor ").contains("gates: ['error-rate < 1%', 'p99 < 250ms']", "rollbackOnFail: true").doesNotContain("failOnInconclusive");
        assertThat(generate(r, "{'stapler-class':'" + PackageAppStep.class.getName() + "', 'name':'web', 'env':'A=1', 'ports':'http', "
                + "'defaultExcludes':false, 'healthTcp':true}"))
                .contains("name: 'web'", "env: ['A=1']", "ports: ['http']", "defaultExcludes: false", "healthTcp: true");
    }

    @Test
    void deleteServiceFromTheFormLeavesItsDefaultsOut(JenkinsRule r) throws Exception {
        assertThat(generate(r, "{'stapler-class':'" + DeleteServiceStep.class.getName() + "', 'app':'web', 'env':'pr-7', 'timeout':'10m', 'missingOk':true}"))
                .startsWith("deleteService ").contains("app: 'web'", "env: 'pr-7'").doesNotContain("timeout", "missingOk");
        assertThat(generate(r, "{'stapler-class':'" + DeleteServiceStep.class.getName() + "', 'app':'web', 'env':'pr-7', 'timeout':'2m', 'missingOk':false}"))
                .contains("timeout: '2m'", "missingOk: false");
    }

    @Test
    void rollbackServiceFromTheFormLeavesItsDefaultsOut(JenkinsRule r) throws Exception {
        assertThat(generate(r, "{'stapler-class':'" + RollbackServiceStep.class.getName() + "', 'app':'web', 'env':'prod', 'revision':'', 'timeout':'1h', "
                + "'abortDeployment':true, 'dryRun':false}"))
                .startsWith("rollbackService ").contains("app: 'web'", "env: 'prod'").doesNotContain("revision", "timeout", "abortDeployment", "dryRun");
        assertThat(generate(r, "{'stapler-class':'" + RollbackServiceStep.class.getName() + "', 'app':'web', 'env':'prod', 'revision':'4', 'timeout':'20m', "
                + "'abortDeployment':false, 'dryRun':true}"))
                .contains("revision: 4", "timeout: '20m'", "abortDeployment: false", "dryRun: true");
    }

    @Test
    void restartServiceFromTheFormLeavesItsDefaultsOut(JenkinsRule r) throws Exception {
        assertThat(generate(r, "{'stapler-class':'" + RestartServiceStep.class.getName() + "', 'app':'web', 'env':'prod', 'reason':'', 'maxSurge':'', "
                + "'maxUnavailable':'', 'timeout':'1h', 'abortDeployment':true, 'dryRun':false}"))
                .startsWith("restartService ").contains("app: 'web'", "env: 'prod'")
                .doesNotContain("reason", "maxSurge", "maxUnavailable", "timeout", "abortDeployment", "dryRun");
        assertThat(generate(r, "{'stapler-class':'" + RestartServiceStep.class.getName() + "', 'app':'web', 'env':'prod', 'reason':'leak', 'maxSurge':'1', "
                + "'maxUnavailable':'0', 'timeout':'20m', 'abortDeployment':false, 'dryRun':true}"))
                .contains("reason: 'leak'", "maxSurge: '1'", "maxUnavailable: '0'", "timeout: '20m'", "abortDeployment: false", "dryRun: true");
    }

    @Test
    void execServiceFromTheFormGivesOneWordPerLineAndLeavesItsDefaultsOut(JenkinsRule r) throws Exception {
        String groovy = generate(r, "{'stapler-class':'" + ExecServiceStep.class.getName() + "', 'app':'web', 'env':'prod', 'instance':'', 'script':'', "
                + "'command':'sh\\n-c\\necho a b', 'timeout':'', 'returnStdout':false, 'returnStatus':true}");
        assertThat(groovy).startsWith("execService ").contains("app: 'web'", "env: 'prod'", "command: ['sh', '-c', 'echo a b']", "returnStatus: true")
                .doesNotContain("instance", "script", "timeout", "returnStdout");
        ExecServiceStep expected = new ExecServiceStep("web", "prod");
        expected.setCommand(List.of("sh", "-c", "echo a b"));
        expected.setReturnStatus(true);
        new SnippetizerTester(r).assertParseStep(expected, groovy);
        assertThat(generate(r, "{'stapler-class':'" + ExecServiceStep.class.getName() + "', 'app':'web', 'env':'prod', 'instance':'1', "
                + "'script':'bin/migrate --apply', 'command':'', 'timeout':'5m', 'returnStdout':true, 'returnStatus':false}"))
                .contains("instance: '1'", "script: 'bin/migrate --apply'", "timeout: '5m'", "returnStdout: true").doesNotContain("command", "returnStatus");
    }

    @Test
    void everyStepsArgumentsDocumentWithoutErrors(JenkinsRule r) throws Exception {
        for (Class<? extends org.jenkinsci.plugins.workflow.steps.Step> c : List.of(AllocateStep.class, DeployStep.class, MonitorStep.class, PackageAppStep.class, DeleteServiceStep.class,
                RollbackServiceStep.class, RestartServiceStep.class, ExecServiceStep.class)) {
            SnippetizerTester.assertDocGeneration(c);
        }
    }

    /** What the Snippet Generator answers for the form {@code json}, as its page posts it. */
    private static String generate(JenkinsRule r, String json) throws Exception {
        JenkinsRule.WebClient wc = r.createWebClient();
        WebRequest req = new WebRequest(new URL(r.getURL(), Snippetizer.GENERATE_URL), HttpMethod.POST);
        req.setRequestParameters(List.of(new NameValuePair("json", json),
                new NameValuePair(r.jenkins.getCrumbIssuer().getDescriptor().getCrumbRequestField(), r.jenkins.getCrumbIssuer().getCrumb())));
        return wc.getPage(req).getWebResponse().getContentAsString().trim();
    }
}
