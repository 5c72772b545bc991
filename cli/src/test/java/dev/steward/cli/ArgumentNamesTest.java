package dev.steward.cli;

import dev.steward.api.AllocateRequest;
import dev.steward.api.DeployRequest;
import dev.steward.api.MonitorSpec;
import dev.steward.steps.PackageRun;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One name per argument across the JSON API, the CLI and the Pipeline steps: every field of the
 * API's record is an option {@code --kebab-name} of the command and a parameter of the same name of
 * the step, and neither side has an argument the others lack, unless it is listed below with the
 * reason it is deliberately one-sided. The steps are read from the plugin's source text, as the
 * plugin is not built here. The step's Snippet Generator form (config.jelly) must offer every
 * parameter, booleans as check boxes and lists as text areas.
 */
class ArgumentNamesTest {
    /** An argument that exists on some sides only, and why. */
    record OneSided(String name, String sides, String why) {
    }

    record Surface(String what, Class<?> api, Class<?> command, String step, List<String> pathParameters, List<OneSided> oneSided) {
        @Override
        public String toString() {
            return what;
        }
    }

    static final String API = "api", CLI = "cli", STEP = "step";

    /** A call whose only arguments are in its path ({@code DELETE /v1/services/APP/ENV}). */
    record NoBody() {
    }

    static Stream<Surface> surfaces() {
        return Stream.of(
                new Surface("allocate", AllocateRequest.class, AllocateCommand.class, "AllocateStep", List.of(), List.of(
                        new OneSided("wait", CLI + STEP, "how long the caller waits for placement; the allocator does not wait"),
                        new OneSided("executor", STEP, "starts a Jenkins agent in the allocation for node(env.STEWARD_LABEL)"),
                        new OneSided("jvmOptions", STEP, "the JVM options of that Jenkins agent"))),
                new Surface("deploy", DeployRequest.class, DeployCommand.class, "DeployStep", List.of("app", "env"), List.of(
                        new OneSided("args", API, "a program and its arguments without a shell; the CLI and the steps give command as one shell line"),
                        new OneSided("healthCheck", API, "a structured override of the package's health check; packageApp and steward package set it"),
                        new OneSided("actor", API + CLI, "the step records the user or cause of the build itself"),
                        new OneSided("buildUrl", API + CLI, "the step records its build's URL itself"),
                        new OneSided("timeout", CLI + STEP, "how long the caller follows the rollout; the rollout has its own deadlines"),
                        new OneSided("detach", CLI, "start and exit; a step that should not wait is a parallel branch"),
                        new OneSided("dryRun", CLI + STEP, "the plan (POST .../plan): what the deploy would do, nothing changed"),
                        new OneSided("secretCredentials", STEP, "sets the named secrets from Jenkins credentials before the deploy; "
                                + "elsewhere they are set with steward secrets set or PUT .../secrets/NAME"),
                        new OneSided("abortDeployment", STEP, "what aborting the build does to the rollout"))),
                new Surface("monitor", MonitorSpec.class, MonitorCommand.class, "MonitorStep", List.of("app", "env"), List.of(
                        new OneSided("report", CLI, "where the CLI writes monitor.json and monitor.html; the step archives them with the build"),
                        new OneSided("failOnInconclusive", STEP, "maps an inconclusive verdict to a failed build; the CLI exits with 4 for it"))),
                new Surface("deleteService", NoBody.class, ServicesCommand.Delete.class, "DeleteServiceStep", List.of("app", "env"), List.of(
                        new OneSided("timeout", CLI + STEP, "how long the caller waits for the instances to stop; the deletion goes on regardless"),
                        new OneSided("missingOk", CLI + STEP, "the caller's choice: the API answers 404 for a service that is not there"),
                        new OneSided("detach", CLI, "return once the delete is taken; a step that should not wait is a parallel branch"))),
                new Surface("rollbackService", dev.steward.api.RollbackRequest.class, RollbackCommand.class, "RollbackServiceStep", List.of("app", "env"),
                        List.of(
                        new OneSided("timeout", CLI + STEP, "how long the caller follows the rollback; the rollout has its own deadlines"),
                        new OneSided("detach", CLI, "start and exit; a step that should not wait is a parallel branch"),
                        new OneSided("dryRun", CLI + STEP, "the plan (POST .../rollback/plan): what the rollback would do, nothing changed"),
                        new OneSided("abortDeployment", STEP, "what aborting the build does to the rollback's rollout"))),
                new Surface("restartService", dev.steward.api.RestartRequest.class, RestartCommand.class, "RestartServiceStep", List.of("app", "env"),
                        List.of(
                        new OneSided("actor", API + CLI, "the step records the build itself"),
                        new OneSided("instance", CLI, "one instance alone (POST .../instances/ID/restart, its id in the path); a pipeline restarts services"),
                        new OneSided("timeout", CLI + STEP, "how long the caller follows the restart; the rollout has its own deadlines"),
                        new OneSided("detach", CLI, "start and exit; a step that should not wait is a parallel branch"),
                        new OneSided("dryRun", CLI + STEP, "the plan (POST .../restart/plan): what the restart would do, nothing changed"),
                        new OneSided("abortDeployment", STEP, "what aborting the build does to the restart's rollout"))),
                new Surface("execService", dev.steward.api.ExecRequest.class, ExecCommand.class, "ExecServiceStep", List.of(), List.of(
                        new OneSided("target", CLI, "an allocation id, an instance id or an app; the step names a service's instance by app, env and instance"),
                        new OneSided("app", STEP, "the service's app; the CLI takes it as TARGET, with --env"),
                        new OneSided("env", CLI + STEP, "the API names the task by its id (POST /v1/tasks/ID/exec); the CLI and the step find it"),
                        new OneSided("instance", CLI + STEP, "the API names the task by its id; the CLI and the step find it"),
                        new OneSided("task", CLI, "a task of an allocation by its name; the step runs in a service's instance"),
                        new OneSided("command", API + STEP, "the CLI takes the words after --"),
                        new OneSided("script", STEP, "one shell line, run as sh -c, as the sh step takes one; on the CLI, the words 'sh -c LINE'"),
                        new OneSided("returnStdout", STEP, "as the sh step's: the output as the step's value; the CLI prints it"),
                        new OneSided("returnStatus", STEP, "as the sh step's: the exit code as the step's value; the CLI exits with it"))),
                new Surface("packageApp", PackageRun.Args.class, PackageCommand.class, "PackageAppStep", List.of(), List.of(
                        new OneSided("dir", CLI, "the step packages its workspace; dir('sub') { packageApp ... } narrows it"),
                        new OneSided("buildUrl", CLI, "provenance: the step takes it from the build"),
                        new OneSided("job", CLI, "provenance: the step takes it from the build"),
                        new OneSided("buildNumber", CLI, "provenance: the step takes it from the build"),
                        new OneSided("gitCommit", CLI, "provenance: the step takes it from the build's GIT_COMMIT"),
                        new OneSided("createdBy", CLI, "provenance: the step records the build"),
                        new OneSided("builtAt", CLI, "provenance: the step records the build's start time"),
                        new OneSided("upload", CLI, "the step always uploads; the CLI can package offline"),
                        new OneSided("dryRun", CLI, "lists what would be packaged; a step has no use for it"))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("surfaces")
    void every_argument_has_one_name_on_every_side(Surface s) throws IOException {
        Map<String, String> api = new TreeMap<>();
        for (RecordComponent c : s.api().getRecordComponents()) {
            api.put(c.getName(), "");
        }
        s.pathParameters().forEach(p -> api.put(p, ""));
        Map<String, String> cli = cliArguments(s.command());
        Map<String, String> step = stepParameters(s.step());
        List<String> problems = new ArrayList<>();
        TreeSet<String> all = new TreeSet<>();
        all.addAll(api.keySet());
        all.addAll(cli.keySet());
        all.addAll(step.keySet());
        for (String name : all) {
            String sides = (api.containsKey(name) ? API : "") + (cli.containsKey(name) ? CLI : "") + (step.containsKey(name) ? STEP : "");
            OneSided listed = s.oneSided().stream().filter(o -> o.name().equals(name)).findFirst().orElse(null);
            String expected = listed != null ? listed.sides() : API + CLI + STEP;
            if (!sides.equals(expected)) {
                problems.add(name + " is on [" + sides + "], expected on [" + expected + "]" + (listed == null ? "" : " (listed: " + listed.why() + ")"));
            }
        }
        assertThat(problems).as(s.what() + ": API " + api.keySet() + ", CLI " + cli.keySet() + ", step " + step.keySet()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("surfaces")
    void the_snippet_generator_form_offers_every_parameter_with_the_right_control(Surface s) throws IOException {
        String jelly = Files.readString(plugin().resolve("src/main/resources/dev/steward/jenkins/" + s.step() + "/config.jelly"));
        Map<String, String> step = stepParameters(s.step());
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, String> p : step.entrySet()) {
            Matcher m = Pattern.compile("<f:entry field=\"" + p.getKey() + "\"[^>]*>\\s*<f:(\\w+)").matcher(jelly);
            if (!m.find()) {
                problems.add(p.getKey() + " has no <f:entry field=\"" + p.getKey() + "\">");
                continue;
            }
            String control = m.group(1);
            String want = p.getValue().equals("boolean") ? "checkbox" : p.getValue().startsWith("List<") ? "textarea" : "textbox";
            if (!control.equals(want)) {
                problems.add(p.getKey() + " (" + p.getValue() + ") uses f:" + control + ", not f:" + want);
            }
            if (!Files.exists(plugin().resolve("src/main/resources/dev/steward/jenkins/" + s.step() + "/help-" + p.getKey() + ".html"))) {
                problems.add(p.getKey() + " has no help-" + p.getKey() + ".html");
            }
        }
        assertThat(problems).as(s.step() + "/config.jelly").isEmpty();
    }

    /** The command's own options and its mixins' (not the connection's), by their field name in the API's spelling: --gpu-model is gpuModel. */
    static Map<String, String> cliArguments(Class<?> command) {
        Map<String, String> out = new TreeMap<>();
        CommandLine cl = new CommandLine(command);
        for (OptionSpec o : cl.getCommandSpec().options()) {
            if (!(o.userObject() instanceof Field f) || f.getDeclaringClass() == Connection.class || o.usageHelp() || o.versionHelp()) {
                continue;
            }
            String canonical = camel(o.longestName().substring(2));
            String wanted = "--" + kebab(canonical);
            out.put(canonical, String.join(" ", o.names()));
            assertThat(o.names()).as(command.getSimpleName() + " option " + canonical).contains(wanted);
        }
        for (var p : cl.getCommandSpec().positionalParameters()) {
            if (p.userObject() instanceof Field f && f.getDeclaringClass() == command && !f.getName().equals("command")) {
                out.put(f.getName(), "positional");
            }
        }
        return out;
    }

    /** The step's @DataBoundConstructor parameters and @DataBoundSetter properties, with their types, from its source. */
    static Map<String, String> stepParameters(String step) throws IOException {
        String src = Files.readString(plugin().resolve("src/main/java/dev/steward/jenkins/" + step + ".java"));
        Map<String, String> out = new TreeMap<>();
        Matcher setters = Pattern.compile("@DataBoundSetter\\s+public void set(\\w+)\\(([\\w<>, ]+) \\w+\\)").matcher(src);
        while (setters.find()) {
            out.put(Character.toLowerCase(setters.group(1).charAt(0)) + setters.group(1).substring(1), setters.group(2));
        }
        Matcher ctor = Pattern.compile("@DataBoundConstructor\\s+public " + step + "\\(([^)]*)\\)").matcher(src);
        assertThat(ctor.find()).as(step + " has a @DataBoundConstructor").isTrue();
        for (String p : ctor.group(1).split(",")) {
            if (!p.isBlank()) {
                String[] tn = p.trim().split("\\s+");
                out.put(tn[1], tn[0]);
            }
        }
        return out;
    }

    static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
    }

    static String camel(String kebab) {
        StringBuilder s = new StringBuilder();
        boolean up = false;
        for (char c : kebab.toCharArray()) {
            if (c == '-') {
                up = true;
            } else {
                s.append(up ? Character.toUpperCase(c) : c);
                up = false;
            }
        }
        return s.toString();
    }

    static Path plugin() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("plugin/src/main/java"))) {
            p = p.getParent();
        }
        assertThat(p).as("the project's plugin/ directory above " + Path.of("").toAbsolutePath()).isNotNull();
        return p.resolve("plugin");
    }
}
