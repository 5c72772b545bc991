package dev.steward.allocator.placement;

import dev.steward.api.AgentRegistration.PortRange;
import dev.steward.api.Resources;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The ledger keeps its GPU figures (whole free devices, the least-used device) rather than
 * counting them at every look; after any sequence of reservations, frees and re-registrations
 * they must equal a count of the devices, and {@code fitsGpus} must answer as the devices say.
 * What allocations hold on a device the agent stops reporting is held again when it comes back.
 * What is held ({@code used()}, kept between changes) follows every step.
 * A failure prints its seed; replay with -Dsteward.seed=SEED.
 */
class AgentLedgerGpuTest {
    private record Held(Resources shape, List<Integer> gpus) {
    }

    @Test
    void kept_gpu_figures_match_the_devices_after_any_sequence() {
        dev.steward.allocator.Seeds.forEach(300, seed -> {
            Random rnd = new Random(seed);
            int devices = rnd.nextInt(9);
            AgentLedger a = new AgentLedger("a", "a", Map.of(), new Resources(64_000, 256_000, 0, devices * 1000L, Map.of()), devices,
                    devices > 0 ? "T4" : null, List.of(new PortRange(20000, 20010)));
            List<Held> held = new ArrayList<>();
            for (int step = 0; step < 60; step++) {
                int op = rnd.nextInt(10);
                if (op < 2 && !held.isEmpty()) {
                    Held h = held.remove(rnd.nextInt(held.size()));
                    a.free(h.shape(), h.gpus(), Map.of());
                } else if (op == 2) {
                    devices = rnd.nextInt(9); // re-registration with another device count
                    a.update(Map.of(), new Resources(64_000, 256_000, 0, devices * 1000L, Map.of()), devices, devices > 0 ? "T4" : null,
                            List.of(new PortRange(20000, 20010)));
                    // what allocations hold on devices gone stays held: they keep running, and are freed later
                } else {
                    long g = rnd.nextBoolean() ? 100L * (1 + rnd.nextInt(9)) : 1000L * (1 + rnd.nextInt(3));
                    if (a.fitsGpus(g)) {
                        Resources shape = new Resources(100, 100, 0, g, Map.of());
                        List<Integer> picked = a.pickGpus(g);
                        a.reserve(shape, picked, Map.of());
                        held.add(new Held(shape, picked));
                    }
                }
                int[] byDevice = new int[Math.max(a.gpuCount(), 9)];
                for (Held h : held) {
                    for (int d : h.gpus()) {
                        byDevice[d] += (int) Math.min(1000, h.shape().gpuMillis());
                    }
                }
                for (int i = 0; i < a.gpuCount(); i++) { // a device gone and back holds what its allocations still hold on it
                    assertThat(a.gpuUsed(i)).as("step %d: device %d", step, i).isEqualTo(byDevice[i]);
                }
                int whole = 0;
                int least = 1000;
                for (int i = 0; i < a.gpuCount(); i++) {
                    whole += a.gpuUsed(i) == 0 ? 1 : 0;
                    least = Math.min(least, a.gpuUsed(i));
                }
                long gpuHeld = 0;
                for (int i = 0; i < a.gpuCount(); i++) {
                    gpuHeld += byDevice[i];
                }
                // what is held, as a list of agents shows it: kept between changes, so it must follow every change
                assertThat(a.used()).as("step %d: what is held", step).isEqualTo(new Resources(100L * held.size(), 100L * held.size(), 0, gpuHeld, Map.of()));
                assertThat(a.wholeGpusFree()).as("step %d: whole free devices", step).isEqualTo(whole);
                assertThat(a.leastDeviceUsed()).as("step %d: least-used device", step).isEqualTo(least);
                for (long g : new long[] {100, 500, 900, 1000, 2000, 3000}) {
                    boolean counted = g < 1000 ? least + g <= 1000 : whole >= g / 1000;
                    assertThat(a.fitsGpus(g)).as("step %d: fits %d", step, g).isEqualTo(counted);
                }
            }
        });
    }
}
