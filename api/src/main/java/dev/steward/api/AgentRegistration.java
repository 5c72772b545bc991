package dev.steward.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What an agent reports when it joins: its name, total resources, GPUs and their model,
 * the port ranges it lends ({@code "20000-29999"} or {@code "8000-8100,9000"}) and attributes.
 */
public record AgentRegistration(String name, String cpus, String memory, String disk, Integer gpus, String gpuModel,
                                Map<String, Long> scalars, String ports, Map<String, String> attributes) {

    public static final String DEFAULT_PORTS = "20000-32000";

    public AgentSpec parse() {
        String n = Validation.name("name", name);
        Resources total = new ResourceAmounts(Validation.required("cpus", cpus), Validation.required("memory", memory),
                disk == null ? "0" : disk, null, scalars).parse(Resources.ZERO);
        int g = Validation.range("gpus", gpus, 0, (int) Limits.MAX_GPUS, 0);
        if (g > 0 && (gpuModel == null || gpuModel.isBlank())) {
            throw new ValidationException("gpuModel", "is required when the agent has gpus");
        }
        total = new Resources(total.cpuMillis(), total.memoryMib(), total.diskMib(), g * 1000L, total.scalars());
        List<PortRange> ranges = PortRange.parseList("ports", ports == null ? DEFAULT_PORTS : ports);
        Map<String, String> attrs = new TreeMap<>();
        if (attributes != null) {
            if (attributes.size() > Limits.MAX_ATTRIBUTES) {
                throw new ValidationException("attributes", "has " + attributes.size() + " entries, above the limit of " + Limits.MAX_ATTRIBUTES);
            }
            for (Map.Entry<String, String> e : attributes.entrySet()) {
                Validation.name("attributes." + e.getKey(), e.getKey());
                if (e.getValue() == null || e.getValue().length() > 1024) {
                    throw new ValidationException("attributes." + e.getKey(), "must be a string of at most 1024 characters");
                }
                attrs.put(e.getKey(), e.getValue());
            }
        }
        return new AgentSpec(n, total, g, g > 0 ? gpuModel.trim() : null, List.copyOf(ranges), Map.copyOf(attrs));
    }

    /** An inclusive range of ports an agent lends. */
    public record PortRange(int from, int to) {
        public int size() {
            return to - from + 1;
        }

        public static List<PortRange> parseList(String field, String text) {
            List<PortRange> out = new ArrayList<>();
            for (String part : text.split(",")) {
                String p = part.trim();
                if (p.isEmpty()) {
                    continue;
                }
                String[] ab = p.split("-", 2);
                try {
                    int a = Integer.parseInt(ab[0].trim());
                    int b = ab.length == 2 ? Integer.parseInt(ab[1].trim()) : a;
                    if (a < 1 || b > 65535 || a > b) {
                        throw new ValidationException(field, "'" + p + "' is not a port range within 1-65535");
                    }
                    out.add(new PortRange(a, b));
                } catch (NumberFormatException e) {
                    throw new ValidationException(field, "'" + p + "' is not a port or a range such as 20000-29999");
                }
            }
            return out;
        }
    }

    /** A validated registration. */
    public record AgentSpec(String name, Resources total, int gpus, String gpuModel, List<PortRange> ports, Map<String, String> attributes) {
    }
}
