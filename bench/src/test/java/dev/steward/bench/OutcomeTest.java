package dev.steward.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** PlacementBench's checks catch what a scheduler must never do, and its command line takes any trace. */
class OutcomeTest {
    private final Trace.Node v100 = new Trace.Node("n1", 4000, 8192, 2, "V100M16");
    private final Trace.Node cpu = new Trace.Node("n2", 4000, 8192, 0, null);

    private static Outcome of(Map<Trace.Pod, Trace.Node> placed) {
        return new Outcome("test", placed, 1);
    }

    @Test
    void a_placement_within_capacity_and_models_passes() {
        Map<Trace.Pod, Trace.Node> m = new LinkedHashMap<>();
        m.put(new Trace.Pod("a", 2000, 4096, 1000, "V100M16|V100M32"), v100);
        m.put(new Trace.Pod("b", 2000, 4096, 1000, ""), v100);
        m.put(new Trace.Pod("c", 4000, 8192, 0, ""), cpu);
        assertThat(of(m).check().ok()).isTrue();
    }

    @Test
    void an_over_committed_machine_is_caught_on_each_resource() {
        for (Trace.Pod extra : List.of(new Trace.Pod("x", 1, 0, 0, ""), new Trace.Pod("x", 0, 1, 0, ""), new Trace.Pod("x", 0, 0, 1, ""))) {
            Map<Trace.Pod, Trace.Node> m = new LinkedHashMap<>();
            m.put(new Trace.Pod("full", 4000, 8192, 2000, ""), v100);
            m.put(extra, v100);
            Outcome.Checks c = of(m).check();
            assertThat(c.overcommitted()).as("%s", extra).isEqualTo(1);
            assertThat(c.toString()).contains("BROKEN").contains("n1 holds");
        }
    }

    @Test
    void a_task_on_a_model_it_did_not_allow_is_caught() {
        Map<Trace.Pod, Trace.Node> m = new LinkedHashMap<>();
        m.put(new Trace.Pod("a", 1000, 1024, 500, "A100|H800"), v100);
        m.put(new Trace.Pod("b", 1000, 1024, 500, "V100M16"), cpu); // a GPU task on a machine without GPUs
        Outcome.Checks c = of(m).check();
        assertThat(c.modelViolations()).isEqualTo(2);
        assertThat(c.overcommitted()).isEqualTo(1); // and b's share is beyond n2's zero GPUs
    }

    @Test
    void the_command_line_takes_a_directory_or_files_and_finds_the_machines_beside_them(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("openb_node_list_all_node.csv"), "sn,cpu_milli,memory_mib,num_gpu,gpu_model\nn1,4000,8192,2,V100M16\n");
        String pods = "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec\np1,1000,1024,1,500,\n";
        Files.writeString(dir.resolve("openb_pod_list_b.csv"), pods);
        Files.writeString(dir.resolve("openb_pod_list_a.csv"), pods);
        Files.writeString(dir.resolve("other.csv"), pods);
        PlacementBench.Inputs all = PlacementBench.inputs(new String[] {dir.toString()});
        assertThat(all.podLists()).extracting(p -> p.getFileName().toString()).containsExactly("openb_pod_list_a.csv", "openb_pod_list_b.csv");
        assertThat(all.nodes()).isEqualTo(dir.toAbsolutePath().resolve("openb_node_list_all_node.csv"));
        PlacementBench.Inputs one = PlacementBench.inputs(new String[] {dir.resolve("other.csv").toString()});
        assertThat(one.podLists()).hasSize(1);
        Path elsewhere = Files.createDirectories(dir.resolve("x")).resolve("pods.csv");
        Files.writeString(elsewhere, pods);
        assertThatThrownBy(() -> PlacementBench.inputs(new String[] {elsewhere.toString()})).hasMessageContaining("--nodes");
        assertThat(PlacementBench.inputs(new String[] {"--nodes", dir.resolve("openb_node_list_all_node.csv").toString(), elsewhere.toString()})
                .podLists()).containsExactly(elsewhere);
        assertThatThrownBy(() -> PlacementBench.inputs(new String[] {dir.resolve("missing.csv").toString()})).hasMessageContaining("neither");
    }
}
