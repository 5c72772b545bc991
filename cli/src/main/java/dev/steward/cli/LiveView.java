package dev.steward.cli;

import dev.steward.api.DeploymentEvent;
import dev.steward.api.DeploymentInfo;
import dev.steward.api.InstanceInfo;

import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The rollout as a compact view that a terminal redraws in place (as
 * {@code kubectl argo rollouts get rollout --watch} does): the deployment and its step, new and
 * old revisions with their counts, the live instances with their health, and the last events.
 * {@link #render} is pure; {@link #redraw} moves the cursor back over the previous frame. When the
 * output is not a terminal (a build log, a pipe) the caller appends lines instead.
 */
final class LiveView {
    static final int MAX_INSTANCES = 12;
    static final int EVENTS = 5;
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());

    private LiveView() {
    }

    /** A frame of {@code d} with {@code instances}; {@code agents}: agents' names for their ids (an id not there is shown as it is). */
    static List<String> render(DeploymentInfo d, List<InstanceInfo> instances, java.util.Map<String, String> agents) {
        List<String> out = new ArrayList<>();
        String strategy = d.rollout() == null ? "" : d.rollout().type().name().toLowerCase();
        StringBuilder head = new StringBuilder("deployment " + d.id() + "  " + d.service() + "  " + d.state()
                + (d.pausedAt() == null ? "" : " since " + TIME.format(d.pausedAt())) + "  " + strategy);
        if (d.rollout() != null && d.rollout().steps() != null && !d.rollout().steps().isEmpty()) {
            int n = d.rollout().steps().size();
            head.append(d.step() < n ? ", step " + (d.step() + 1) + " of " + n + " (" + d.rollout().steps().get(d.step()).weight() + ")"
                    : ", past the last step");
        }
        out.add(head.toString());
        String revs = "  revision " + d.revision() + " (new) " + d.newAvailable() + "/" + d.newInstances() + " available";
        if (d.fromRevision() != null && d.fromRevision() != d.revision()) {
            revs += "   revision " + d.fromRevision() + " (old) " + d.oldAvailable() + "/" + d.oldInstances() + " available";
        }
        out.add(revs + "   want " + d.desired());
        if (d.reason() != null && !d.reason().isBlank()) {
            out.add("  " + d.reason());
        }
        List<InstanceInfo> live = instances.stream().filter(i -> !i.state().terminal())
                .sorted(Comparator.comparing(InstanceInfo::revision).reversed().thenComparing(InstanceInfo::createdAt)).toList();
        if (!live.isEmpty()) { // an ended deployment's status has none: no header over nothing
            out.add(String.format("  %-18s %-4s %-10s %-14s %s", "INSTANCE", "REV", "STATE", "AGENT", "WHERE"));
        }
        for (int k = 0; k < live.size() && k < MAX_INSTANCES; k++) {
            InstanceInfo i = live.get(k);
            out.add(String.format("  %-18s %-4d %-10s %-14s %s", i.id(), i.revision(), i.state() + (i.stopRequested() ? "*" : ""),
                    i.agentId() == null ? "" : agents.getOrDefault(i.agentId(), i.agentId()),
                    i.host() == null ? (i.reason() == null ? "" : i.reason()) : i.where()));
        }
        if (live.size() > MAX_INSTANCES) {
            out.add("  ... and " + (live.size() - MAX_INSTANCES) + " more");
        }
        List<DeploymentEvent> events = d.events() == null ? List.of() : d.events();
        for (DeploymentEvent e : events.subList(Math.max(0, events.size() - EVENTS), events.size())) {
            out.add("  " + TIME.format(e.at()) + "  " + e.message());
        }
        return out;
    }

    /** The text that replaces a frame of {@code previousLines} lines with {@code frame}: cursor up, clear to the end, the new lines. */
    static String redraw(int previousLines, List<String> frame, int width) {
        StringBuilder s = new StringBuilder();
        if (previousLines > 0) {
            s.append("\u001b[").append(previousLines).append("A\r\u001b[J");
        }
        for (String text : frame) { // cut to the width: a wrapped line would throw the next redraw's count off
            String line = dev.steward.api.ControlChars.escapeLine(text); // written raw (the cursor moves): nothing in a line may act on the terminal
            s.append(line.length() < width ? line : line.substring(0, Math.max(1, width - 1))).append('\n');
        }
        return s.toString();
    }

    /** The terminal's width from COLUMNS, else 120. */
    static int width() {
        try {
            return Math.max(40, Integer.parseInt(System.getenv().getOrDefault("COLUMNS", "120")));
        } catch (NumberFormatException e) {
            return 120;
        }
    }
}
