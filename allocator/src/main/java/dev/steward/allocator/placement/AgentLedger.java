package dev.steward.allocator.placement;

import dev.steward.api.AgentRegistration.PortRange;
import dev.steward.api.Resources;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one agent has and what its live allocations hold: cpu, memory, disk, named scalars,
 * each GPU device (in thousandths, so a device can be shared) and each lent port. Owned by
 * the allocator's state thread; placement only reads it, the state applies {@link #reserve}
 * and {@link #free}.
 */
public final class AgentLedger {
    private final String id;
    private final String name;
    private Map<String, String> attributes;
    private String gpuModel;
    private Resources total;
    private long totalCpu;
    private long totalMemory;
    private long totalDisk;
    private int[] gpuUsed;
    /** What allocations still hold on devices the agent no longer reports (it came back with fewer), kept for when they come back. */
    private final Map<Integer, Integer> gpuUsedGone = new HashMap<>();
    private List<PortRange> portRanges;
    private final BitSet portsUsed = new BitSet();
    /** Ports of the lent ranges that the agent last saw held on its host; none of them is lent while it is. */
    private BitSet hostBusy = new BitSet();
    private int portsFree;
    private int portCursor;
    private long usedCpu;
    private long usedMemory;
    private long usedDisk;
    private final Map<String, Long> usedScalars = new HashMap<>();
    /** {@link #used()} as last made, until what is held changes (null then): a list of 10,000 agents reads it for each. */
    private Resources usedView;
    private boolean ready = true;
    FillIndex index;
    FillIndex.Shelf shelf;
    int bucket;
    int slot;
    List<AgentLedger> idle; // the index's group of idle agents of this type, when this one holds nothing
    private boolean draining;
    private boolean diskPressure;
    private int wholeGpusFree;
    private int leastDeviceUsed = 1000;

    public AgentLedger(String id, String name, Map<String, String> attributes, Resources total, int gpus, String gpuModel, List<PortRange> ports) {
        this.id = id;
        this.name = name;
        this.gpuUsed = new int[gpus];
        update(attributes, total, gpus, gpuModel, ports);
    }

    /** Re-registration may change what the agent reports; usage is kept. */
    public void update(Map<String, String> attrs, Resources newTotal, int gpus, String model, List<PortRange> ports) {
        this.attributes = attrs;
        this.usedView = null; // devices gone or back change what is held
        this.total = newTotal;
        this.totalCpu = newTotal.cpuMillis();
        this.totalMemory = newTotal.memoryMib();
        this.totalDisk = newTotal.diskMib();
        this.gpuModel = model;
        if (gpus != gpuUsed.length) {
            for (int g = gpus; g < gpuUsed.length; g++) {
                if (gpuUsed[g] != 0) {
                    gpuUsedGone.merge(g, gpuUsed[g], Integer::sum);
                }
            }
            gpuUsed = java.util.Arrays.copyOf(gpuUsed, gpus);
            for (int g = 0; g < gpus; g++) {
                Integer back = gpuUsedGone.remove(g); // a device back: what its allocations hold on it is held again
                if (back != null) {
                    gpuUsed[g] += back;
                }
            }
        }
        this.portRanges = ports;
        int free = 0;
        for (PortRange r : ports) {
            free += r.size() - portsUsed.get(r.from(), r.to() + 1).cardinality();
        }
        this.portsFree = free;
        recountGpus();
        if (index != null) {
            index.grew(this);
            index.moved(this);
        }
    }

    public String id() {
        return id;
    }

    public String name() {
        return name;
    }

    public Map<String, String> attributes() {
        return attributes;
    }

    /** The value of an attribute for constraints; {@code agent} is the id and {@code name} the agent's name. */
    public String attribute(String key) {
        if ("agent".equals(key)) {
            return id;
        }
        if ("name".equals(key)) {
            return name;
        }
        return attributes.get(key);
    }

    public String gpuModel() {
        return gpuModel;
    }

    public Resources total() {
        return total;
    }

    public int gpuCount() {
        return gpuUsed.length;
    }

    public boolean ready() {
        return ready;
    }

    public boolean draining() {
        return draining;
    }

    public void setReady(boolean ready) {
        if (ready != this.ready && index != null) {
            index.grew(this);
        }
        this.ready = ready;
    }

    /** Whether the agent's disk is nearly full, as its last heartbeat said: it takes nothing new meanwhile. */
    public boolean diskPressure() {
        return diskPressure;
    }

    /** From a heartbeat; returns true when the pressure has just ended (room grew: what waits may be placed here now). */
    public boolean setDiskPressure(boolean pressure) {
        boolean ended = diskPressure && !pressure;
        if (ended && index != null) {
            index.grew(this);
        }
        diskPressure = pressure;
        return ended;
    }

    public void setDraining(boolean draining) {
        if (draining != this.draining && index != null) {
            index.grew(this);
        }
        this.draining = draining;
    }

    public long freeCpu() {
        return totalCpu - usedCpu;
    }

    public long freeMemory() {
        return totalMemory - usedMemory;
    }

    public long freeDisk() {
        return totalDisk - usedDisk;
    }

    public long freeScalar(String key) {
        return total.scalars().getOrDefault(key, 0L) - usedScalars.getOrDefault(key, 0L);
    }

    public long totalCpu() {
        return totalCpu;
    }

    public long totalMemory() {
        return totalMemory;
    }

    public long usedCpu() {
        return usedCpu;
    }

    public long usedMemory() {
        return usedMemory;
    }

    /** Ports that can be lent now: free in the ledger and not seen held on the host. */
    public int freePorts() {
        if (hostBusy.isEmpty()) {
            return portsFree;
        }
        BitSet busyFree = (BitSet) hostBusy.clone();
        busyFree.andNot(portsUsed);
        return portsFree - busyFree.cardinality();
    }

    /**
     * What the agent's heartbeat saw held on its host within the lent ranges (its own tasks'
     * ports included; those are held here anyway). Replaces the previous report.
     */
    public void hostBusy(java.util.Collection<Integer> ports) {
        BitSet b = new BitSet();
        if (ports != null) {
            for (int p : ports) {
                if (offsetOf(p) >= 0) {
                    b.set(p);
                }
            }
        }
        if (!b.equals(hostBusy)) {
            hostBusy = b;
            if (index != null) {
                index.grew(this);
                index.moved(this);
            }
        }
    }

    /** What is held now, as resources (GPUs summed over devices): immutable, made again only after a change. */
    public Resources used() {
        Resources u = usedView;
        if (u == null) {
            u = new Resources(usedCpu, usedMemory, usedDisk, usedGpuMillis(), Map.copyOf(usedScalars));
            usedView = u;
        }
        return u;
    }

    /** No disk and no named scalar held. */
    boolean idleScalarsAndDisk() {
        if (usedDisk != 0) {
            return false;
        }
        for (long v : usedScalars.values()) {
            if (v != 0) {
                return false;
            }
        }
        return true;
    }

    /** GPU thousandths held over all devices. */
    public long usedGpuMillis() {
        long g = 0;
        for (int u : gpuUsed) {
            g += u;
        }
        return g;
    }

    /** GPU thousandths held on device {@code i}. */
    public int gpuUsed(int i) {
        return gpuUsed[i];
    }

    /** Number of devices nobody holds any part of. */
    public int wholeGpusFree() {
        return wholeGpusFree;
    }

    /** The least any one GPU device holds (1000 when there are none): a share fits when it fits there. */
    int leastDeviceUsed() {
        return leastDeviceUsed;
    }

    /** Recounts the GPU figures placement reads for every agent it passes (kept, not counted each time). */
    private void recountGpus() {
        int whole = 0;
        int least = 1000;
        for (int u : gpuUsed) {
            if (u == 0) {
                whole++;
            }
            least = Math.min(least, u);
        }
        wholeGpusFree = whole;
        leastDeviceUsed = least;
    }

    /** Whether an ask of {@code gpuMillis} fits on the devices, without allocating: the filter's hot path. */
    public boolean fitsGpus(long gpuMillis) {
        if (gpuMillis == 0) {
            return true;
        }
        if (gpuMillis < 1000) {
            return leastDeviceUsed + gpuMillis <= 1000;
        }
        return wholeGpusFree >= gpuMillis / 1000;
    }

    /**
     * The GPU devices an ask of {@code gpuMillis} would take: whole free devices for whole GPUs,
     * or for a share, the fullest device that still has room (best fit keeps whole devices free
     * for whole-GPU asks). Null when it does not fit.
     */
    public List<Integer> pickGpus(long gpuMillis) {
        if (gpuMillis == 0) {
            return List.of();
        }
        if (gpuMillis < 1000) {
            int best = -1;
            for (int i = 0; i < gpuUsed.length; i++) {
                if (gpuUsed[i] + gpuMillis <= 1000 && (best < 0 || gpuUsed[i] > gpuUsed[best])) {
                    best = i;
                }
            }
            return best < 0 ? null : List.of(best);
        }
        int want = (int) (gpuMillis / 1000);
        List<Integer> out = new ArrayList<>(want);
        for (int i = 0; i < gpuUsed.length && out.size() < want; i++) {
            if (gpuUsed[i] == 0) {
                out.add(i);
            }
        }
        return out.size() == want ? out : null;
    }

    /** Concrete port numbers for the named ports, from a rotating cursor so a just-freed port is not handed out at once; null if too few are free. */
    public Map<String, Integer> pickPorts(List<String> names) {
        if (names.isEmpty()) {
            return Map.of();
        }
        if (names.size() > freePorts()) {
            return null;
        }
        Map<String, Integer> out = new LinkedHashMap<>();
        int span = 0;
        for (PortRange r : portRanges) {
            span += r.size();
        }
        int tried = 0;
        int pos = portCursor;
        BitSet taken = new BitSet();
        while (out.size() < names.size() && tried < span) {
            int port = portAt(pos % span);
            if (!portsUsed.get(port) && !hostBusy.get(port) && !taken.get(port)) {
                taken.set(port);
                out.put(names.get(out.size()), port);
            }
            pos++;
            tried++;
        }
        return out.size() == names.size() ? out : null;
    }

    private int portAt(int offset) {
        for (PortRange r : portRanges) {
            if (offset < r.size()) {
                return r.from() + offset;
            }
            offset -= r.size();
        }
        throw new IllegalStateException("offset beyond port ranges");
    }

    private int offsetOf(int port) {
        int off = 0;
        for (PortRange r : portRanges) {
            if (port >= r.from() && port <= r.to()) {
                return off + port - r.from();
            }
            off += r.size();
        }
        return -1;
    }

    /** Holds a new allocation's resources, devices and ports. Throws if it would over-commit: that is a bug, never a user error. */
    public void reserve(Resources r, List<Integer> gpus, Map<String, Integer> ports) {
        if (r.cpuMillis() > freeCpu() || r.memoryMib() > freeMemory() || r.diskMib() > freeDisk()) {
            throw new IllegalStateException("over-commit of agent " + id + ": " + r + " does not fit");
        }
        for (Map.Entry<String, Long> e : r.scalars().entrySet()) {
            if (e.getValue() > freeScalar(e.getKey())) {
                throw new IllegalStateException("over-commit of " + e.getKey() + " on agent " + id);
            }
        }
        long perDevice = gpus.isEmpty() ? 0 : (r.gpuMillis() < 1000 ? r.gpuMillis() : 1000);
        for (int g : gpus) {
            if (g >= gpuUsed.length || gpuUsed[g] + perDevice > 1000) {
                throw new IllegalStateException("over-commit of GPU " + g + " on agent " + id);
            }
        }
        for (int p : ports.values()) {
            if (portsUsed.get(p)) {
                throw new IllegalStateException("port " + p + " already held on agent " + id);
            }
        }
        hold(r, gpus, ports);
    }

    /**
     * Counts what an existing allocation holds, unchecked: an agent may have come back smaller
     * than what it already runs (its machine or its flags changed), and what it runs is held all
     * the same, on restore after a restart or when preemption puts back the victims it weighed.
     * Such an agent has no room (free below zero) until enough ends; devices it no longer has are
     * not counted.
     */
    public void hold(Resources r, List<Integer> gpus, Map<String, Integer> ports) {
        usedView = null;
        usedCpu += r.cpuMillis();
        usedMemory += r.memoryMib();
        usedDisk += r.diskMib();
        r.scalars().forEach((k, v) -> usedScalars.merge(k, v, Long::sum));
        long perDevice = gpus.isEmpty() ? 0 : (r.gpuMillis() < 1000 ? r.gpuMillis() : 1000);
        for (int g : gpus) {
            if (g < gpuUsed.length) {
                gpuUsed[g] += (int) perDevice;
            } else {
                gpuUsedGone.merge(g, (int) perDevice, Integer::sum);
            }
        }
        for (int p : ports.values()) {
            if (portsUsed.get(p)) {
                continue; // never held twice; counted once
            }
            portsUsed.set(p);
            if (offsetOf(p) >= 0) {
                portsFree--;
                portCursor = offsetOf(p) + 1;
            }
        }
        recountGpus();
        if (index != null) {
            index.moved(this);
        }
    }

    /** Gives back what {@link #reserve} took: room grew. */
    public void free(Resources r, List<Integer> gpus, Map<String, Integer> ports) {
        giveBack(r, gpus, ports, true);
    }

    /**
     * Takes back a reservation made tentatively within the same decision (a gang's units when the
     * gang does not fit), or frees what a reservation made again at once will take back (preemption
     * weighing its victims): the agent ends as it was, so this is not counted as room grown.
     */
    public void undo(Resources r, List<Integer> gpus, Map<String, Integer> ports) {
        giveBack(r, gpus, ports, false);
    }

    private void giveBack(Resources r, List<Integer> gpus, Map<String, Integer> ports, boolean grew) {
        usedView = null;
        usedCpu -= r.cpuMillis();
        usedMemory -= r.memoryMib();
        usedDisk -= r.diskMib();
        r.scalars().forEach((k, v) -> usedScalars.merge(k, -v, Long::sum));
        long perDevice = gpus.isEmpty() ? 0 : (r.gpuMillis() < 1000 ? r.gpuMillis() : 1000);
        for (int g : gpus) {
            if (g < gpuUsed.length) {
                gpuUsed[g] -= (int) perDevice;
            } else if (gpuUsedGone.merge(g, -(int) perDevice, Integer::sum) == 0) {
                gpuUsedGone.remove(g);
            }
        }
        for (int p : ports.values()) {
            if (portsUsed.get(p)) {
                portsUsed.clear(p);
                if (offsetOf(p) >= 0) {
                    portsFree++;
                }
            }
        }
        recountGpus();
        if (index != null) {
            if (grew) {
                index.grew(this);
            } else {
                index.undone();
            }
            index.moved(this);
        }
    }

    /** True when nothing is over-committed and no port is counted twice: the invariant the property test checks. */
    public boolean consistent() {
        if (usedCpu < 0 || usedMemory < 0 || usedDisk < 0 || freeCpu() < 0 || freeMemory() < 0 || freeDisk() < 0) {
            return false;
        }
        for (int u : gpuUsed) {
            if (u < 0 || u > 1000) {
                return false;
            }
        }
        for (Map.Entry<String, Long> e : usedScalars.entrySet()) {
            if (e.getValue() < 0 || freeScalar(e.getKey()) < 0) {
                return false;
            }
        }
        return portsFree >= 0;
    }
}
