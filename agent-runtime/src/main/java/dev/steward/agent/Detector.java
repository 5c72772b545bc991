package dev.steward.agent;

import dev.steward.api.AgentRegistration;
import dev.steward.api.Units;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What this machine lends: cpus, memory (from /proc/meminfo), disk of the data directory,
 * GPUs and their model (from nvidia-smi where present), less the configured reservation; and
 * attributes: hostname, os, arch, cgroups, plus the configured ones.
 */
public final class Detector {
    private Detector() {
    }

    /** What was found, for the start-up log. */
    public record Found(AgentRegistration registration, String summary) {
    }

    public static Found detect(AgentConfig cfg, String cgroupKind, String advertise) throws IOException {
        long cpus = Runtime.getRuntime().availableProcessors() * 1000L;
        long mem = memTotalMib();
        long disk = Files.getFileStore(cfg.dataDir()).getUsableSpace() / (1024 * 1024);
        List<String> gpus = gpus();
        long lendCpu = Math.max(0, cpus - cfg.reserveCpuMillis());
        long lendMem = Math.max(0, mem - cfg.reserveMemoryMib());
        Map<String, String> attrs = new LinkedHashMap<>();
        attrs.put("hostname", hostname());
        attrs.put("os", System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT));
        attrs.put("arch", System.getProperty("os.arch"));
        attrs.put("cgroups", cgroupKind);
        if (advertise != null) {
            attrs.put("address", advertise);
        }
        attrs.putAll(cfg.attributes());
        String model = gpus.isEmpty() ? null : gpus.get(0);
        AgentRegistration reg = new AgentRegistration(cfg.name(), Units.formatCpus(lendCpu), lendMem + "m", disk + "m", gpus.size(), model, null,
                cfg.ports(), attrs);
        String summary = String.format("detected cpus=%s memory=%s disk=%s gpus=%d%s; lending cpus=%s memory=%s (reserved %s, %s); ports %s; cgroups %s; attributes %s",
                Units.formatCpus(cpus), Units.formatMib(mem), Units.formatMib(disk), gpus.size(), model == null ? "" : " (" + model + ")",
                Units.formatCpus(lendCpu), Units.formatMib(lendMem), Units.formatCpus(cfg.reserveCpuMillis()), Units.formatMib(cfg.reserveMemoryMib()),
                cfg.ports(), cgroupKind, attrs);
        return new Found(reg, summary);
    }

    static long memTotalMib() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
            if (line.startsWith("MemTotal:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
            }
        }
        throw new IOException("no MemTotal in /proc/meminfo");
    }

    /** One model name per GPU, from nvidia-smi; none where it is absent or fails. */
    static List<String> gpus() {
        List<String> out = new ArrayList<>();
        try {
            Process p = new ProcessBuilder("nvidia-smi", "--query-gpu=name", "--format=csv,noheader").redirectErrorStream(true).start();
            String text = new String(p.getInputStream().readAllBytes());
            if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0) {
                for (String line : text.split("\n")) {
                    if (!line.isBlank()) {
                        out.add(line.trim().replace(' ', '-'));
                    }
                }
            }
        } catch (IOException e) {
            return out; // no nvidia-smi: no GPUs
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return out;
    }

    static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
