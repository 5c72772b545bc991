package dev.steward.bench;

import dev.steward.allocator.placement.AgentLedger;
import dev.steward.allocator.placement.PlacementAsk;
import dev.steward.allocator.placement.PlacementStack;
import dev.steward.api.AgentRegistration.PortRange;
import dev.steward.api.Ask;
import dev.steward.api.Placement;
import dev.steward.api.Resources;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Places a workload with Steward's placement pipeline (filters, scorers, choice) over per-agent ledgers. */
final class StewardRun {
    private StewardRun() {
    }

    static List<AgentLedger> ledgers(List<Trace.Node> nodes) {
        List<AgentLedger> out = new ArrayList<>(nodes.size());
        List<PortRange> ports = List.of(new PortRange(20000, 32000));
        for (Trace.Node n : nodes) {
            out.add(new AgentLedger(n.name(), n.name(), Map.of(), new Resources(n.cpuMillis(), n.memoryMib(), 0, n.gpus() * 1000L, Map.of()),
                    n.gpus(), n.model(), ports));
        }
        return out;
    }

    static Ask ask(Trace.Pod p) {
        Set<String> models = p.gpuSpec().isEmpty() ? Set.of() : new LinkedHashSet<>(Arrays.asList(p.gpuSpec().split("\\|")));
        return new Ask("bench", p.name(), 1, new Resources(p.cpuMillis(), p.memoryMib(), 0, p.gpuMillis(), Map.of()), models, List.of(),
                List.of(), Placement.BINPACK, 50, false, false, Duration.ofHours(1));
    }

    static Outcome run(List<Trace.Node> nodes, List<Trace.Pod> pods) {
        return run(nodes, pods, new PlacementStack(), "steward");
    }

    static Outcome run(List<Trace.Node> nodes, List<Trace.Pod> pods, PlacementStack stack, String label) {
        List<AgentLedger> ledgers = ledgers(nodes);
        dev.steward.allocator.placement.FillIndex index = new dev.steward.allocator.placement.FillIndex();
        ledgers.forEach(index::add);
        Map<String, Trace.Node> byName = new LinkedHashMap<>();
        nodes.forEach(n -> byName.put(n.name(), n));
        List<Ask> asks = pods.stream().map(StewardRun::ask).toList();
        Map<Trace.Pod, Trace.Node> placed = new LinkedHashMap<>();
        long t0 = System.nanoTime();
        for (int i = 0; i < pods.size(); i++) {
            Ask a = asks.get(i);
            PlacementStack.Outcome o = stack.placeOne(new PlacementAsk(pods.get(i).name(), a, Map.of()), index);
            if (o.placed()) {
                o.choice().agent().reserve(a.shape(), o.choice().gpus(), o.choice().ports());
                placed.put(pods.get(i), byName.get(o.choice().agent().id()));
            }
        }
        return new Outcome(label, placed, System.nanoTime() - t0);
    }
}
