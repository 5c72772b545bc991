package dev.steward.bench;

import com.netflix.fenzo.ConstraintEvaluator;
import com.netflix.fenzo.SchedulingResult;
import com.netflix.fenzo.TaskAssignmentResult;
import com.netflix.fenzo.TaskRequest;
import com.netflix.fenzo.TaskScheduler;
import com.netflix.fenzo.TaskTrackerState;
import com.netflix.fenzo.VMAssignmentResult;
import com.netflix.fenzo.VMTaskFitnessCalculator;
import com.netflix.fenzo.VirtualMachineCurrentState;
import com.netflix.fenzo.VirtualMachineLease;
import com.netflix.fenzo.plugins.BinPackingFitnessCalculators;
import org.apache.mesos.Protos;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The same workload through Netflix Fenzo 1.0.1: one lease per machine (GPUs as the pooled
 * scalar "gpu" in thousandths, since Fenzo has no per-device model), the GPU model as a hard
 * constraint, Fenzo's cpu+memory bin-packer, one scheduleOnce over all tasks, and each
 * assignment reported back through the task assigner as Fenzo requires.
 */
final class FenzoRun {
    private FenzoRun() {
    }

    static Outcome run(List<Trace.Node> nodes, List<Trace.Pod> pods) {
        Map<String, Trace.Node> byHost = new HashMap<>();
        List<VirtualMachineLease> leases = new ArrayList<>();
        for (Trace.Node n : nodes) {
            byHost.put(n.name(), n);
            leases.add(new Lease(n));
        }
        ConstraintEvaluator model = new ConstraintEvaluator() {
            @Override
            public String getName() {
                return "gpu-model";
            }

            @Override
            public Result evaluate(TaskRequest t, VirtualMachineCurrentState vm, TaskTrackerState s) {
                String spec = ((Task) t).pod.gpuSpec();
                String m = byHost.get(vm.getHostname()).model();
                boolean ok = spec.isEmpty() || (m != null && Arrays.asList(spec.split("\\|")).contains(m));
                return new Result(ok, ok ? null : "GPU model mismatch");
            }
        };
        List<Task> tasks = new ArrayList<>();
        for (Trace.Pod p : pods) {
            tasks.add(new Task(p, p.gpuMillis() > 0 && !p.gpuSpec().isEmpty() ? List.of(model) : List.of()));
        }
        TaskScheduler scheduler = new TaskScheduler.Builder()
                .withLeaseOfferExpirySecs(1_000_000_000L)
                .withLeaseRejectAction(l -> { })
                .withFitnessCalculator(BinPackingFitnessCalculators.cpuMemBinPacker)
                .build();
        Map<Trace.Pod, Trace.Node> placed = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        SchedulingResult r = scheduler.scheduleOnce(tasks, leases);
        for (VMAssignmentResult vm : r.getResultMap().values()) {
            for (TaskAssignmentResult a : vm.getTasksAssigned()) {
                scheduler.getTaskAssigner().call(a.getRequest(), vm.getHostname());
                placed.put(((Task) a.getRequest()).pod, byHost.get(vm.getHostname()));
            }
        }
        long nanos = System.nanoTime() - t0;
        scheduler.shutdown();
        return new Outcome("fenzo", placed, nanos);
    }

    private static final class Task implements TaskRequest {
        final Trace.Pod pod;
        final List<ConstraintEvaluator> hard;
        private AssignedResources assigned;

        Task(Trace.Pod pod, List<ConstraintEvaluator> hard) {
            this.pod = pod;
            this.hard = hard;
        }

        @Override
        public String getId() {
            return pod.name();
        }

        @Override
        public String taskGroupName() {
            return "bench";
        }

        @Override
        public double getCPUs() {
            return pod.cpuMillis() / 1000.0;
        }

        @Override
        public double getMemory() {
            return pod.memoryMib();
        }

        @Override
        public double getNetworkMbps() {
            return 0;
        }

        @Override
        public double getDisk() {
            return 0;
        }

        @Override
        public int getPorts() {
            return 0;
        }

        @Override
        public Map<String, Double> getScalarRequests() {
            return pod.gpuMillis() == 0 ? null : Map.of("gpu", (double) pod.gpuMillis());
        }

        @Override
        public Map<String, NamedResourceSetRequest> getCustomNamedResources() {
            return null;
        }

        @Override
        public List<? extends ConstraintEvaluator> getHardConstraints() {
            return hard;
        }

        @Override
        public List<? extends VMTaskFitnessCalculator> getSoftConstraints() {
            return null;
        }

        @Override
        public void setAssignedResources(AssignedResources r) {
            assigned = r;
        }

        @Override
        public AssignedResources getAssignedResources() {
            return assigned;
        }
    }

    private static final class Lease implements VirtualMachineLease {
        private final Trace.Node node;
        private final Map<String, Double> scalars;

        Lease(Trace.Node node) {
            this.node = node;
            this.scalars = new HashMap<>(); // Fenzo looks up null keys: immutable maps would throw
            if (node.gpus() > 0) {
                scalars.put("gpu", node.gpus() * 1000.0);
            }
        }

        @Override
        public String getId() {
            return "lease-" + node.name();
        }

        @Override
        public long getOfferedTime() {
            return 0;
        }

        @Override
        public String hostname() {
            return node.name();
        }

        @Override
        public String getVMID() {
            return node.name();
        }

        @Override
        public double cpuCores() {
            return node.cpuMillis() / 1000.0;
        }

        @Override
        public double memoryMB() {
            return node.memoryMib();
        }

        @Override
        public double networkMbps() {
            return 0;
        }

        @Override
        public double diskMB() {
            return 0;
        }

        @Override
        public List<Range> portRanges() {
            return List.of();
        }

        @Override
        public Protos.Offer getOffer() {
            return null;
        }

        @Override
        public Map<String, Protos.Attribute> getAttributeMap() {
            return new HashMap<>();
        }

        @Override
        public Double getScalarValue(String name) {
            return scalars.get(name);
        }

        @Override
        public Map<String, Double> getScalarValues() {
            return scalars;
        }
    }
}
