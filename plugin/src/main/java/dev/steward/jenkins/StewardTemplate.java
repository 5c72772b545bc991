package dev.steward.jenkins;

import dev.steward.steps.CloudPlanner;
import hudson.Extension;
import hudson.model.AbstractDescribableImpl;
import hudson.model.Descriptor;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;

/** An agent template of the Steward cloud: label, resources, JVM options, idle minutes, instance cap, priority, preemptible. */
public class StewardTemplate extends AbstractDescribableImpl<StewardTemplate> {
    private final String label;
    private String cpus = "1";
    private String memory = "2g";
    private String jvmOptions;
    private int idleMinutes = 10;
    private int instanceCap = 10;
    private int priority = 10;
    private boolean preemptible = true;

    @DataBoundConstructor
    public StewardTemplate(String label) {
        this.label = label;
    }

    public String getLabel() { return label; }
    public String getCpus() { return cpus; }
    @DataBoundSetter public void setCpus(String v) { cpus = v; }
    public String getMemory() { return memory; }
    @DataBoundSetter public void setMemory(String v) { memory = v; }
    public String getJvmOptions() { return jvmOptions; }
    @DataBoundSetter public void setJvmOptions(String v) { jvmOptions = v; }
    public int getIdleMinutes() { return idleMinutes; }
    @DataBoundSetter public void setIdleMinutes(int v) { idleMinutes = v; }
    public int getInstanceCap() { return instanceCap; }
    @DataBoundSetter public void setInstanceCap(int v) { instanceCap = v; }
    public int getPriority() { return priority; }
    @DataBoundSetter public void setPriority(int v) { priority = v; }
    public boolean isPreemptible() { return preemptible; }
    @DataBoundSetter public void setPreemptible(boolean v) { preemptible = v; }

    /** The Jenkins-free template the decisions use. */
    CloudPlanner.Template plan() {
        return new CloudPlanner.Template(label, cpus, memory, jvmOptions, idleMinutes, instanceCap, priority, preemptible);
    }

    @Extension
    public static final class DescriptorImpl extends Descriptor<StewardTemplate> {
        @Override
        public String getDisplayName() {
            return "Steward agent template";
        }
    }
}
