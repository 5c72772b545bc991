package dev.steward.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The Alibaba GPU trace's CSV files: machines and tasks (pods). */
final class Trace {
    /** A machine: cpu in millicores, memory in MiB, whole GPUs and their model (null for none). */
    record Node(String name, long cpuMillis, long memoryMib, int gpus, String model) {
    }

    /**
     * A task: cpu in millicores, memory in MiB, GPUs in thousandths (2000 = two whole GPUs,
     * 460 = a share of one) and the allowed models ({@code "A|B"}, empty for any).
     */
    record Pod(String name, long cpuMillis, long memoryMib, long gpuMillis, String gpuSpec) {
    }

    private Trace() {
    }

    static List<Node> nodes(Path file) throws IOException {
        List<Node> out = new ArrayList<>();
        List<String> lines = Files.readAllLines(file);
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",", -1);
            String model = f.length > 4 && !f[4].isBlank() && !f[4].equalsIgnoreCase("nan") ? f[4].trim() : null;
            int gpus = Integer.parseInt(f[3].trim());
            out.add(new Node(f[0], Long.parseLong(f[1].trim()), Long.parseLong(f[2].trim()), gpus, gpus > 0 ? model : null));
        }
        return out;
    }

    static List<Pod> pods(Path file) throws IOException {
        List<Pod> out = new ArrayList<>();
        List<String> lines = Files.readAllLines(file);
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",", -1);
            int numGpu = Integer.parseInt(f[3].trim());
            long gpuMilli = Long.parseLong(f[4].trim());
            long gpu = numGpu == 0 ? 0 : (numGpu == 1 && gpuMilli < 1000 ? gpuMilli : numGpu * 1000L);
            String spec = f.length > 5 ? f[5].trim() : "";
            out.add(new Pod(f[0], Long.parseLong(f[1].trim()), Long.parseLong(f[2].trim()), gpu, spec.equalsIgnoreCase("nan") ? "" : spec));
        }
        return out;
    }
}
