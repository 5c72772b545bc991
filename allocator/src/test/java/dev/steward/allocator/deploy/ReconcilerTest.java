package dev.steward.allocator.deploy;

import dev.steward.api.CanaryStep;
import dev.steward.api.DeploymentState;
import dev.steward.api.InstanceState;
import dev.steward.api.RolloutSpec;
import dev.steward.api.ValidationException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The reconciler in named situations: the Kubernetes arithmetic, a canary's steps, deadlines, rollback. */
class ReconcilerTest {

    @Test
    void surgeRoundsUpUnavailableRoundsDownAndBothZeroMeansOneUnavailable() {
        RolloutSpec d = RolloutSpec.ROLLING;
        assertThat(d.surge(10)).isEqualTo(3);
        assertThat(d.unavailable(10)).isEqualTo(2);
        assertThat(d.surge(1)).isEqualTo(1);
        assertThat(d.unavailable(1)).isEqualTo(0);
        RolloutSpec zero = new RolloutSpec("rolling", "0", "0%", null, null, null, null, null, null, null);
        assertThat(zero.surge(5)).isZero();
        assertThat(zero.unavailable(5)).isEqualTo(1);
        assertThatThrownBy(() -> new RolloutSpec("rolling", "lots", null, null, null, null, null, null, null, null).validate(3))
                .isInstanceOf(ValidationException.class).hasMessageStartingWith("maxSurge:");
        assertThatThrownBy(() -> new RolloutSpec("canary", null, null, null, null, null, null, null, null, null).validate(3))
                .hasMessageStartingWith("steps:");
        assertThatThrownBy(() -> new RolloutSpec("sideways", null, null, null, null, null, null, null, null, null).validate(3))
                .hasMessageStartingWith("strategy:");
    }

    @Test
    void aRollingUpdateOfTenStartsThreeNewAndStopsTwoOld() {
        RolloutSim sim = new RolloutSim(1);
        sim.steady(10);
        sim.deploy(2, RolloutSpec.ROLLING);
        List<Action> a = Reconciler.decide(sim.svc, sim.d, List.copyOf(sim.inst.values()), sim.now);
        assertThat(a.stream().filter(x -> x instanceof Action.Place).count()).isEqualTo(3);
        assertThat(a.stream().filter(x -> x instanceof Action.Stop).count()).isEqualTo(2);
    }

    @Test
    void aCanaryRunsItsStepsAndPausesForAPromote() {
        RolloutSim sim = new RolloutSim(2);
        sim.steady(4);
        RolloutSpec canary = new RolloutSpec("canary", null, null, null, List.of(new CanaryStep("25%", "promote", null)), null, "10s", "60s", "120s", null)
                .validate(4);
        sim.deploy(2, canary);
        for (int k = 0; k < 200 && sim.d.state() != DeploymentState.PAUSED; k++) {
            sim.world();
            sim.round();
        }
        assertThat(sim.d.state()).isEqualTo(DeploymentState.PAUSED);
        assertThat(sim.inst.values().stream().filter(i -> i.revision() == 2 && !i.state().terminal()).count()).as("one canary").isEqualTo(1);
        assertThat(sim.inst.values().stream().filter(i -> i.revision() == 1 && !i.state().terminal()).count()).as("the old set keeps serving")
                .isEqualTo(4);
    }

    @Test
    void anAbortedCanaryIsScaledToZeroAtOnceWhileTheStableSetKeepsServing() {
        RolloutSim sim = new RolloutSim(2);
        sim.steady(3);
        RolloutSpec canary = new RolloutSpec("canary", null, null, null, List.of(new CanaryStep("34%", "promote", null)), null, "10s", "60s", "120s", null)
                .validate(3);
        sim.deploy(2, canary);
        for (int k = 0; k < 200 && sim.d.state() != DeploymentState.PAUSED; k++) {
            sim.world();
            sim.round();
        }
        assertThat(sim.d.state()).isEqualTo(DeploymentState.PAUSED);
        sim.abort();
        List<Action> a = Reconciler.decide(sim.svc, sim.d, List.copyOf(sim.inst.values()), sim.now);
        List<String> canaries = sim.inst.values().stream().filter(i -> i.revision() == 2 && !i.state().terminal()).map(i -> i.id()).toList();
        assertThat(canaries).isNotEmpty();
        assertThat(a).filteredOn(x -> x instanceof Action.Stop).extracting(x -> ((Action.Stop) x).instance()).containsExactlyInAnyOrderElementsOf(canaries);
        assertThat(a).filteredOn(x -> x instanceof Action.Stop).allMatch(x -> ((Action.Stop) x).reason().contains("not the service's revision 1"));
        assertThat(a).noneMatch(x -> x instanceof Action.Place);
    }

    @Test
    void anAbortedRollingUpdateKeepsTheNewInstancesUntilTheStableRevisionCoversForThem() {
        RolloutSim sim = new RolloutSim(5);
        sim.steady(4);
        sim.deploy(2, new RolloutSpec("rolling", "1", "1", null, null, null, "10s", "60s", "120s", null).validate(4));
        for (int k = 0; k < 500 && sim.inst.values().stream().filter(i -> i.revision() == 1 && !i.state().terminal()).count() > 1; k++) {
            sim.world();
            sim.round();
        }
        sim.abort();
        long newAvailable = sim.inst.values().stream().filter(i -> i.revision() == 2 && i.state() == dev.steward.api.InstanceState.HEALTHY).count();
        long oldAvailable = sim.inst.values().stream().filter(i -> i.revision() == 1 && i.state() == dev.steward.api.InstanceState.HEALTHY).count();
        List<Action> a = Reconciler.decide(sim.svc, sim.d, List.copyOf(sim.inst.values()), sim.now);
        long stopsOfNewAvailable = a.stream().filter(x -> x instanceof Action.Stop s && sim.inst.get(s.instance()).revision() == 2
                && sim.inst.get(s.instance()).state() == dev.steward.api.InstanceState.HEALTHY).count();
        assertThat(newAvailable).as("the rollout had got far").isGreaterThanOrEqualTo(2);
        assertThat(oldAvailable + newAvailable - stopsOfNewAvailable).as("available after the abort's first stops").isGreaterThanOrEqualTo(Math.min(4,
                oldAvailable + newAvailable));
        assertThat(a).anyMatch(x -> x instanceof Action.Place p && p.revision() == 1);
    }

    @Test
    void anInstanceOnADrainingAgentIsReplacedAtOnceAndStoppedOnceItsReplacementIsAvailable() {
        RolloutSim sim = new RolloutSim(7);
        sim.steady(3);
        String moving = sim.inst.keySet().iterator().next();
        sim.leaving.add(moving);
        sim.svc = new ServiceView(3, 1, 1, 1, sim.now.plusSeconds(60)); // a failure's backoff under way: a move does not wait for it
        List<Action> first = Reconciler.decide(sim.svc, null, List.copyOf(sim.inst.values()), sim.leaving, sim.now);
        assertThat(first).containsExactly(new Action.Place(1, "replaces " + moving + " (its agent is draining)", false, moving));
        List<Action> later = List.of();
        for (int k = 0; k < 20 && later.stream().noneMatch(a -> a instanceof Action.Stop); k++) {
            sim.round(); // the replacement starts and passes its check; the moving one serves meanwhile
            sim.now = sim.now.plusSeconds(5);
            sim.calm();
            assertThat(sim.inst.get(moving).stopRequested()).isFalse();
            later = Reconciler.decide(sim.svc, null, List.copyOf(sim.inst.values()), sim.leaving, sim.now);
        }
        assertThat(later).contains(new Action.Stop(moving, "its agent is draining, and an instance elsewhere took its place"));
        assertThat(later).noneMatch(a -> a instanceof Action.Place);
    }

    @Test
    void anInstanceAskedToRestartMovesAsADrainsDoesAndSaysWhy() {
        RolloutSim sim = new RolloutSim(11);
        sim.steady(3);
        String moving = sim.inst.keySet().iterator().next();
        sim.leaving.add(moving);
        java.util.Map<String, String> asked = java.util.Map.of(moving, "restarted by admin: stuck");
        List<Action> first = Reconciler.decide(sim.svc, null, List.copyOf(sim.inst.values()), sim.leaving, asked, sim.now);
        assertThat(first).containsExactly(new Action.Place(1, "replaces " + moving + " (restarted by admin: stuck)", false, moving));
        List<Action> later = List.of();
        for (int k = 0; k < 20 && later.stream().noneMatch(a -> a instanceof Action.Stop); k++) {
            sim.round();
            sim.now = sim.now.plusSeconds(5);
            sim.calm();
            assertThat(sim.inst.get(moving).stopRequested()).as("it serves until the fresh one is available").isFalse();
            later = Reconciler.decide(sim.svc, null, List.copyOf(sim.inst.values()), sim.leaving, asked, sim.now);
        }
        assertThat(later).contains(new Action.Stop(moving, "restarted by admin: stuck, and a fresh instance took its place"));
        assertThat(later).noneMatch(a -> a instanceof Action.Place);
    }

    /** Seconds from a drain's first decision to the stop of the instance it moves, for a service whose last deployment had {@code minHealthyTime}. */
    private static long secondsToMove(String minHealthyTime) {
        RolloutSim sim = new RolloutSim(7);
        sim.steady(3);
        String moving = sim.inst.keySet().iterator().next();
        sim.leaving.add(moving);
        sim.svc = new ServiceView(3, 1, 1, 1, null, new RolloutSpec("rolling", null, null, null, null, null, minHealthyTime, "5m", null, null));
        java.time.Instant began = sim.now;
        List<Action> later = Reconciler.decide(sim.svc, null, List.copyOf(sim.inst.values()), sim.leaving, sim.now);
        for (int k = 0; k < 60 && later.stream().noneMatch(a -> a instanceof Action.Stop); k++) {
            sim.round();
            sim.now = sim.now.plusSeconds(1);
            sim.calm();
            later = Reconciler.decide(sim.svc, null, List.copyOf(sim.inst.values()), sim.leaving, sim.now);
        }
        assertThat(later).contains(new Action.Stop(moving, "its agent is draining, and an instance elsewhere took its place"));
        return java.time.Duration.between(began, sim.now).toSeconds();
    }

    @Test
    void withNoRolloutUnderWayAReplacementCountsAfterTheServicesOwnMinHealthyTimeNotTheDefault() {
        long careful = secondsToMove("30s");
        long quick = secondsToMove("2s");
        assertThat(careful).as("a service deployed to be healthy 30s before it counts: its draining instance serves until then").isGreaterThanOrEqualTo(30);
        assertThat(quick).as("one deployed with 2s moves sooner than the default's 10s would let it").isLessThan(10);
    }

    @Test
    void aMoveThatIsNoLongerNeededStopsTheExtraInstanceSayingWhyNotThatItWasScaledDown() {
        RolloutSim sim = new RolloutSim(9);
        sim.steady(2);
        String moving = sim.inst.keySet().iterator().next();
        sim.leaving.add(moving);
        sim.round(); // its replacement is asked for
        sim.leaving.clear(); // and the drain is cancelled before it serves
        List<Action> a = Reconciler.decide(sim.svc, null, List.copyOf(sim.inst.values()), sim.leaving, sim.now);
        assertThat(a).hasSize(1).allMatch(x -> x instanceof Action.Stop s && !s.instance().equals(moving)
                && s.reason().equals("more than the 2 instances wanted run (a move that is no longer needed, or a scale cut short)"));
    }

    @Test
    void anInstanceOnADrainingAgentIsKeptWhileNothingElseCanServe() {
        RolloutSim sim = new RolloutSim(8);
        sim.steady(1);
        String only = sim.inst.keySet().iterator().next();
        sim.leaving.add(only);
        sim.round(); // its replacement is asked for, and finds no room: it stays pending
        for (int k = 0; k < 10; k++) {
            sim.now = sim.now.plusSeconds(30);
            List<Action> a = Reconciler.decide(sim.svc, null, List.copyOf(sim.inst.values()), sim.leaving, sim.now);
            assertThat(a).noneMatch(x -> x instanceof Action.Stop);
            assertThat(a).noneMatch(x -> x instanceof Action.Place);
        }
    }

    @Test
    void aBadRevisionRollsBackToTheStableOneWithTheReason() {
        RolloutSim sim = new RolloutSim(3);
        sim.steady(3);
        sim.bad.add(2);
        sim.deploy(2, new RolloutSpec("rolling", null, null, null, null, null, "10s", "60s", "120s", null).validate(3));
        for (int k = 0; k < 5000 && !sim.d.state().terminal(); k++) {
            sim.world();
            sim.round();
        }
        assertThat(sim.d.state()).isEqualTo(DeploymentState.ROLLED_BACK);
        assertThat(sim.d.reason()).contains("of revision 2").containsAnyOf("failed", "was not healthy within the healthy deadline of 1m");
        assertThat(sim.svc.revision()).isEqualTo(1);
    }

    @Test
    void aGatedCanaryStepStartsItsMonitorThenFollowsTheVerdict() {
        RolloutSim sim = new RolloutSim(4);
        sim.steady(2);
        RolloutSpec canary = new RolloutSpec("canary", null, null, null, List.of(new CanaryStep("1", "30s", "error-rate < 1%")), null, "10s", "60s",
                "120s", null).validate(2);
        sim.deploy(2, canary);
        List<Action> a = List.of();
        for (int k = 0; k < 300 && a.stream().noneMatch(x -> x instanceof Action.StartGate); k++) {
            sim.world();
            a = Reconciler.decide(sim.svc, sim.d, List.copyOf(sim.inst.values()), sim.now);
            if (a.stream().noneMatch(x -> x instanceof Action.StartGate)) {
                sim.round();
            }
        }
        Action.StartGate g = (Action.StartGate) a.stream().filter(x -> x instanceof Action.StartGate).findFirst().orElseThrow();
        assertThat(g.gates()).containsExactly("error-rate < 1%");
        assertThat(g.duration()).hasSeconds(30);
        var started = Rollouts.gate(sim.d, new dev.steward.api.DeploymentInfo.Gating(0, "m", null, null));
        assertThat(Reconciler.decide(sim.svc, started, List.copyOf(sim.inst.values()), sim.now)).noneMatch(x -> x instanceof Action.Step
                || x instanceof Action.StartGate).as("waits for the verdict");
        var passed = Rollouts.gate(sim.d, new dev.steward.api.DeploymentInfo.Gating(0, "m", dev.steward.api.Verdict.PASS, "ok"));
        assertThat(Reconciler.decide(sim.svc, passed, List.copyOf(sim.inst.values()), sim.now)).anyMatch(x -> x instanceof Action.Step s && s.step() == 1);
        var failed = Rollouts.gate(sim.d, new dev.steward.api.DeploymentInfo.Gating(0, "m", dev.steward.api.Verdict.FAIL, "error-rate 5%"));
        assertThat(Reconciler.decide(sim.svc, failed, List.copyOf(sim.inst.values()), sim.now))
                .anyMatch(x -> x instanceof Action.RollBack b && b.reason().equals("canary step 1 failed its gate: error-rate 5%"));
        var unsure = Rollouts.gate(sim.d, new dev.steward.api.DeploymentInfo.Gating(0, "m", dev.steward.api.Verdict.INCONCLUSIVE, "no data"));
        assertThat(Reconciler.decide(sim.svc, unsure, List.copyOf(sim.inst.values()), sim.now))
                .anyMatch(x -> x instanceof Action.Step s && s.waitForPromote() && s.step() == 0);
    }

    @Test
    void newInstancesLostToTheirHostBeforeTheyServeAreReplacedUpToALimitAndThenTheRolloutFailsSayingWhy() {
        for (int refusals : new int[] {Deadlines.lostLimit(3), Deadlines.lostLimit(3) + 1}) {
            RolloutSim sim = new RolloutSim(7);
            sim.steady(3);
            sim.deploy(2, new RolloutSpec("rolling", null, null, null, null, null, "10s", "60s", "10m", null).validate(3));
            int left = refusals;
            for (int k = 0; k < 2000 && !sim.d.state().terminal(); k++) {
                sim.calm();
                for (dev.steward.api.InstanceInfo i : List.copyOf(sim.inst.values())) { // the host refuses each new one as it starts, while refusals last
                    if (left > 0 && i.revision() == 2 && i.state() == dev.steward.api.InstanceState.STARTING && i.healthySince() == null) {
                        sim.inst.put(i.id(), Rollouts.instance(i, dev.steward.api.InstanceState.LOST,
                                "port http 20000 is in use on this host by another process; not started (its replacement is lent other ports)", sim.now));
                        left--;
                    }
                }
                sim.round();
            }
            long made = sim.inst.values().stream().filter(i -> i.revision() == 2).count();
            if (refusals == Deadlines.lostLimit(3)) {
                // before, the first of them failed the deployment, though the agent had said its replacement would get other ports
                assertThat(sim.d.state()).as(sim.d.reason()).isEqualTo(DeploymentState.SUCCEEDED);
                assertThat(made).isEqualTo(3 + refusals);
            } else {
                assertThat(sim.d.state()).isEqualTo(DeploymentState.ROLLED_BACK);
                assertThat(sim.d.reason()).startsWith("7 new instances of revision 2 were lost before they were available, with their agents or to them "
                        + "(at most 6 are replaced for 3 instances); the last, ").endsWith(": port http 20000 is in use on this host by another process; "
                        + "not started (its replacement is lent other ports)");
                assertThat(made).as("a host that refuses every start is not placed on without end").isLessThanOrEqualTo(refusals + 1);
            }
        }
    }

    @Test
    void aMissedProgressDeadlineSaysWhatTheFirstWaitingInstanceWaitsFor() {
        java.time.Instant t0 = java.time.Instant.parse("2026-01-01T00:00:00Z");
        dev.steward.api.InstanceInfo up = new dev.steward.api.InstanceInfo("i1", "web/test", 2, null, null, dev.steward.api.InstanceState.HEALTHY, null,
                null, null, null, null, java.util.Map.of(), t0, t0, "health check passing", false, t0, null, null, t0, 0, 0);
        dev.steward.api.InstanceInfo waiting = new dev.steward.api.InstanceInfo("i2", "web/test", 2, null, null, dev.steward.api.InstanceState.PENDING,
                null, null, null, null, null, java.util.Map.of(), null, null, "not placed yet: 1 agent: 1 insufficient cpus", false, t0, null, null, null, 0, 0);
        RolloutSpec r = new RolloutSpec("rolling", null, null, null, null, null, "10s", "5m", "30s", null).validate(2);
        Reconciler.Ctx c = new Reconciler.Ctx(2, 2, List.of(up, waiting), java.util.Set.of("i1"));
        assertThat(Deadlines.deadlinesOf(t0, null, c, r, t0.plusSeconds(29))).isNull();
        // before, the deployment failed with the first half alone, and "why" needed steward services to find out
        assertThat(Deadlines.deadlinesOf(t0, null, c, r, t0.plusSeconds(30)))
                .isEqualTo("no instance became available for the progress deadline of 30s; instance i2: not placed yet: 1 agent: 1 insufficient cpus");
        // one placed and healthy but not available yet (its minimum healthy time runs) before it in the list: the one that finds no room is what
        // the rollout waits for, and is named (a loaded run of DeployEndToEndTest named the healthy one, "health check passing")
        dev.steward.api.InstanceInfo soon = new dev.steward.api.InstanceInfo("i3", "web/test", 2, null, null, dev.steward.api.InstanceState.HEALTHY, null,
                null, null, null, null, java.util.Map.of(), t0, t0, "health check passing", false, t0, null, null, t0, 0, 0);
        Reconciler.Ctx c2 = new Reconciler.Ctx(2, 2, List.of(up, soon, waiting), java.util.Set.of("i1"));
        assertThat(Deadlines.deadlinesOf(t0, null, c2, r, t0.plusSeconds(30)))
                .isEqualTo("no instance became available for the progress deadline of 30s; instance i2: not placed yet: 1 agent: 1 insufficient cpus");
        Reconciler.Ctx c3 = new Reconciler.Ctx(2, 2, List.of(up, soon), java.util.Set.of("i1"));
        assertThat(Deadlines.deadlinesOf(t0, null, c3, r, t0.plusSeconds(30))).as("none waits for room: the first not available")
                .isEqualTo("no instance became available for the progress deadline of 30s; instance i3: health check passing");
    }

    @Test
    void theHealthyDeadlineCountsFromPlacementAndWaitingForRoomOnlyAgainstTheProgressDeadline() {
        java.time.Instant t0 = java.time.Instant.parse("2026-01-01T00:00:00Z");
        RolloutSpec r = new RolloutSpec("rolling", "100%", null, null, null, null, "10s", "60s", "10m", null).validate(2);
        // made at t0, still waiting for room 5 minutes on while the rollout goes on: before, "not healthy within the healthy deadline of 60s" at t0 + 60s
        dev.steward.api.InstanceInfo waiting = new dev.steward.api.InstanceInfo("i2", "web/test", 2, null, null, dev.steward.api.InstanceState.PENDING,
                null, null, null, null, null, java.util.Map.of(), null, null, "not placed yet: role 'ci' is at its limit", false, t0, null, null, null, 0, 0);
        dev.steward.api.InstanceInfo up = new dev.steward.api.InstanceInfo("i1", "web/test", 2, null, null, dev.steward.api.InstanceState.HEALTHY, null,
                "a1", null, null, null, java.util.Map.of(), t0, t0.plusSeconds(280), "available", false, t0, null, null, t0.plusSeconds(270), 0, 0);
        Reconciler.Ctx c = new Reconciler.Ctx(2, 2, List.of(up, waiting), java.util.Set.of("i1"));
        assertThat(Deadlines.deadlinesOf(t0, t0.plusSeconds(280), c, r, t0.plusSeconds(300))).as("progress was made 20 s ago").isNull();
        // placed at t0 + 290 s: its 60 s run from there
        dev.steward.api.InstanceInfo placed = new dev.steward.api.InstanceInfo("i2", "web/test", 2, null, null, dev.steward.api.InstanceState.STARTING,
                null, "a2", "t2", null, null, java.util.Map.of(), null, null, "health check failing", false, t0, null, null, t0.plusSeconds(290), 0, 0);
        Reconciler.Ctx later = new Reconciler.Ctx(2, 2, List.of(up, placed), java.util.Set.of("i1"));
        assertThat(Deadlines.deadlinesOf(t0, t0.plusSeconds(280), later, r, t0.plusSeconds(349))).isNull();
        assertThat(Deadlines.deadlinesOf(t0, t0.plusSeconds(280), later, r, t0.plusSeconds(350)))
                .isEqualTo("instance i2 of revision 2 was not healthy within the healthy deadline of 1m: health check failing");
        // one stored before placedAt was kept counts from when it was made, as before
        dev.steward.api.InstanceInfo old = new dev.steward.api.InstanceInfo("i2", "web/test", 2, null, null, dev.steward.api.InstanceState.STARTING,
                null, "a2", "t2", null, null, java.util.Map.of(), null, null, "health check failing", false, t0, null, null, null, 0, 0);
        assertThat(Deadlines.deadlinesOf(t0, t0.plusSeconds(280), new Reconciler.Ctx(2, 2, List.of(up, old), java.util.Set.of("i1")), r,
                t0.plusSeconds(300))).startsWith("instance i2 of revision 2 was not healthy within the healthy deadline of 1m");
    }

    /** A canary of 1 in 4 waiting for its promote, every instance healthy. */
    private static RolloutSim heldCanary(long seed) {
        RolloutSim sim = new RolloutSim(seed);
        sim.promotes = false;
        sim.steady(4);
        sim.deploy(2, new RolloutSpec("canary", null, null, null, List.of(new CanaryStep("25%", "promote", null)), null, "10s", "60s", "120s", null)
                .validate(4));
        for (int k = 0; k < 200 && !(sim.d.state() == DeploymentState.PAUSED && sim.available() == 5); k++) {
            sim.world();
            sim.round();
            sim.calm();
        }
        assertThat(sim.d.state()).isEqualTo(DeploymentState.PAUSED);
        assertThat(sim.available()).isEqualTo(5);
        return sim;
    }

    private static String first(RolloutSim sim, int revision) {
        return sim.inst.values().stream().filter(i -> i.revision() == revision && !i.state().terminal() && !i.stopRequested()).findFirst().orElseThrow().id();
    }

    @Test
    void aCanaryWaitingForItsPromoteReplacesWhatItLosesWithItsOwnRevisionOnce() {
        RolloutSim sim = heldCanary(11);
        String old = first(sim, 1);
        String canary = first(sim, 2);
        sim.lose(old);
        sim.lose(canary);
        // before, nothing was placed while the canary waited: the service ran 3 of 4 until a person promoted it
        List<Action> a = Reconciler.decide(sim.svc, sim.d, List.copyOf(sim.inst.values()), sim.now);
        assertThat(a).containsExactlyInAnyOrder(
                new Action.Place(1, "replaces " + old + " (lost: its allocation ended: LOST: agent m1 missed heartbeats); "
                        + "revision 1 keeps its count until the canary is promoted"),
                new Action.Place(2, "replaces " + canary + " (lost: its allocation ended: LOST: agent m1 missed heartbeats); "
                        + "the deployment is paused: revision 2 keeps its count until it resumes"));
        sim.round();
        for (int k = 0; k < 40; k++) { // once each: the replacements made count, through the backoff and after
            sim.now = sim.now.plusSeconds(3);
            sim.round();
            sim.calm();
        }
        assertThat(sim.d.state()).isEqualTo(DeploymentState.PAUSED);
        assertThat(sim.live(1)).isEqualTo(4);
        assertThat(sim.live(2)).isEqualTo(1);
        assertThat(sim.available()).isEqualTo(5);
    }

    @Test
    void aRunningCanaryReplacesALostOldInstanceWithTheOldRevisionAfterTheBackoff() {
        RolloutSim sim = new RolloutSim(12);
        sim.steady(3);
        sim.deploy(2, new RolloutSpec("canary", null, null, null, List.of(new CanaryStep("1", "1h", null)), null, "10s", "60s", "120s", null)
                .validate(3));
        for (int k = 0; k < 200 && sim.d.pausedUntil() == null; k++) {
            sim.round();
            sim.calm();
        }
        assertThat(sim.d.state()).as("a timed pause runs").isEqualTo(DeploymentState.RUNNING);
        String old = first(sim, 1);
        sim.lose(old);
        sim.svc = new ServiceView(3, 2, 1, 1, sim.now.plusSeconds(4)); // a backoff under way
        assertThat(Reconciler.decide(sim.svc, sim.d, List.copyOf(sim.inst.values()), sim.now)).noneMatch(x -> x instanceof Action.Place);
        sim.now = sim.now.plusSeconds(4);
        assertThat(Reconciler.decide(sim.svc, sim.d, List.copyOf(sim.inst.values()), sim.now)).containsExactly(new Action.Place(1, "replaces " + old
                + " (lost: its allocation ended: LOST: agent m1 missed heartbeats); revision 1 keeps its count until the canary is promoted"));
    }

    @Test
    void aPausedRollingUpdateHoldsEachRevisionsCountButOwesNothingForWhatItLostBeforeThePause() {
        RolloutSim sim = new RolloutSim(13);
        sim.steady(4);
        sim.deploy(2, new RolloutSpec("rolling", "1", "0", null, null, null, "10s", "60s", "120s", null).validate(4));
        for (int k = 0; k < 200 && sim.live(2) < 2; k++) {
            sim.round();
            sim.calm();
        }
        sim.lose(first(sim, 1)); // lost while it rolls: the rolling update makes up for it with revision 2
        sim.now = sim.now.plusSeconds(1);
        sim.pause();
        assertThat(Reconciler.decide(sim.svc, sim.d, List.copyOf(sim.inst.values()), sim.now)).noneMatch(x -> x instanceof Action.Place);
        sim.now = sim.now.plusSeconds(1);
        String old = first(sim, 1);
        String fresh = first(sim, 2);
        sim.lose(old);
        sim.lose(fresh);
        List<Action> a = Reconciler.decide(sim.svc, sim.d, List.copyOf(sim.inst.values()), sim.now);
        assertThat(a).filteredOn(x -> x instanceof Action.Place).extracting(x -> ((Action.Place) x).revision()).containsExactlyInAnyOrder(1, 2);
        assertThat(a).noneMatch(x -> x instanceof Action.Stop || x instanceof Action.Succeed);
    }

    @Test
    void aCanaryWaitingForItsPromoteMovesWhatIsOnADrainingAgentAndStillReplacesWhatItLosesAfter() {
        RolloutSim sim = heldCanary(14);
        String old = first(sim, 1);
        sim.leaving.add(old);
        sim.svc = new ServiceView(4, 2, 1, 1, sim.now.plusSeconds(60)); // a failure's backoff under way: a move does not wait for it
        // before, nothing moved while the canary waited: the drain said instances move elsewhere, and none did
        List<Action> a = Reconciler.decide(sim.svc, sim.d, List.copyOf(sim.inst.values()), sim.leaving, sim.now);
        assertThat(a).containsExactly(new Action.Place(1, "replaces " + old + " (its agent is draining); revision 1 keeps its count until the canary is "
                + "promoted", false, old));
        for (int k = 0; k < 20 && !sim.inst.get(old).stopRequested(); k++) {
            sim.round(); // the replacement starts and passes its check; the moving one serves meanwhile
            sim.now = sim.now.plusSeconds(5);
            sim.calm();
        }
        assertThat(sim.inst.get(old).reason()).isEqualTo("its agent is draining, and an instance elsewhere took its place");
        sim.round();
        sim.calm();
        assertThat(sim.live(1)).isEqualTo(4);
        assertThat(sim.inst.values()).filteredOn(i -> i.movedFrom() != null).singleElement().matches(i -> i.movedFrom().equals(old) && i.revision() == 1);
        String lost = first(sim, 1);
        sim.lose(lost); // the move is not counted as a replacement already made
        sim.now = sim.now.plusSeconds(61);
        assertThat(Reconciler.decide(sim.svc, sim.d, List.copyOf(sim.inst.values()), sim.leaving, sim.now))
                .containsExactly(new Action.Place(1, "replaces " + lost + " (lost: its allocation ended: LOST: agent m1 missed heartbeats); revision 1 keeps "
                        + "its count until the canary is promoted"));
    }

    @Test
    void aMoveUnderAHeldRolloutWhoseDrainIsCalledOffStopsItsReplacementAndOwesNothing() {
        RolloutSim sim = heldCanary(15);
        String old = first(sim, 1);
        sim.leaving.add(old);
        sim.round(); // its replacement is asked for
        sim.leaving.clear(); // the drain is called off before it serves
        List<Action> a = Reconciler.decide(sim.svc, sim.d, List.copyOf(sim.inst.values()), sim.leaving, sim.now);
        String moved = sim.inst.values().stream().filter(i -> old.equals(i.movedFrom())).findFirst().orElseThrow().id();
        assertThat(a).containsExactly(new Action.Stop(moved, "it was to take over from " + old + ", whose agent no longer drains"));
        sim.round();
        sim.calm();
        sim.now = sim.now.plusSeconds(120);
        assertThat(Reconciler.decide(sim.svc, sim.d, List.copyOf(sim.inst.values()), sim.leaving, sim.now)).isEmpty();
        assertThat(sim.live(1)).isEqualTo(4);
    }

    @Test
    void aDrainCalledOffWhenTheOneTakingOverServesAndTheOriginalDoesNotKeepsTheOneThatServes() {
        RolloutSim sim = heldCanary(19);
        String old = first(sim, 1);
        sim.leaving.add(old);
        sim.round(); // its replacement is asked for
        sim.calm(); // and starts
        sim.calm(); // and passes its check from now
        String moved = sim.inst.values().stream().filter(i -> old.equals(i.movedFrom())).findFirst().orElseThrow().id();
        sim.inst.put(old, Rollouts.instance(sim.inst.get(old), InstanceState.UNHEALTHY, "health check failing: connection refused", sim.now));
        sim.now = sim.now.plusSeconds(11); // the one taking over has passed for its 10 s
        sim.leaving.clear(); // and the drain is called off before a reconcile saw it serve
        List<Action> a = Reconciler.decide(sim.svc, sim.d, List.copyOf(sim.inst.values()), sim.leaving, sim.now);
        // before, the one that served was stopped and the failing original kept
        assertThat(a).containsExactly(new Action.MarkAvailable(moved),
                new Action.Stop(old, "its agent no longer drains, but it is not available and " + moved + ", which took its place, is"));
        sim.round();
        sim.calm();
        sim.now = sim.now.plusSeconds(120);
        assertThat(Reconciler.decide(sim.svc, sim.d, List.copyOf(sim.inst.values()), sim.leaving, sim.now)).as("the move counts as done: nothing owed")
                .isEmpty();
        assertThat(sim.live(1)).isEqualTo(4);
        assertThat(sim.inst.get(moved).stopRequested()).isFalse();
    }

    @Test
    void aDrainCalledOffUnderAChainOfMovesKeepsTheOneThatServesAndStopsTheRestAtOnce() {
        RolloutSim sim = heldCanary(20);
        String old = first(sim, 1);
        sim.leaving.add(old);
        sim.round(); // one takes over from it
        String mid = sim.inst.values().stream().filter(i -> old.equals(i.movedFrom())).findFirst().orElseThrow().id();
        sim.leaving.add(mid); // and its agent drains too, before it serves
        sim.round(); // one takes over from that one in turn
        String last = sim.inst.values().stream().filter(i -> mid.equals(i.movedFrom())).findFirst().orElseThrow().id();
        sim.calm();
        sim.calm();
        sim.inst.put(mid, pending(sim.inst.get(mid))); // the middle one has not started
        sim.inst.put(old, Rollouts.instance(sim.inst.get(old), InstanceState.UNHEALTHY, "health check failing: connection refused", sim.now));
        sim.now = sim.now.plusSeconds(11);
        sim.leaving.clear(); // every drain is called off
        List<Action> a = Reconciler.decide(sim.svc, sim.d, List.copyOf(sim.inst.values()), sim.leaving, sim.now);
        // before, both taking over were stopped, the last one (the only one serving) among them, and the failing original was kept
        assertThat(a).containsExactly(new Action.MarkAvailable(last),
                new Action.Stop(old, "its agent no longer drains, but it is not available and " + last + ", which took its place, is"),
                new Action.Stop(mid, "it was to take over from " + old + ", whose agent no longer drains"));
        sim.round();
        sim.calm();
        sim.now = sim.now.plusSeconds(120);
        assertThat(Reconciler.decide(sim.svc, sim.d, List.copyOf(sim.inst.values()), sim.leaving, sim.now)).isEmpty();
        assertThat(sim.live(1)).isEqualTo(4);
    }

    @Test
    void aRollingUpdateStopsTheOldInstancesOnADrainingAgentFirst() {
        RolloutSim sim = new RolloutSim(16);
        sim.steady(4);
        List<String> ids = List.copyOf(sim.inst.keySet());
        String draining = ids.get(ids.size() - 1);
        sim.leaving.add(draining);
        sim.deploy(2, new RolloutSpec("rolling", "1", "1", null, null, null, "10s", "60s", "120s", null).validate(4));
        List<Action> a = Reconciler.decide(sim.svc, sim.d, List.copyOf(sim.inst.values()), sim.leaving, sim.now);
        // before, the newest went first, whatever its agent: the drain waited for the whole rollout
        assertThat(a).filteredOn(x -> x instanceof Action.Stop).extracting(x -> ((Action.Stop) x).instance()).containsExactly(draining);
    }

    /** A canary of 1 in 3 in a timed step of an hour: running, not paused; every instance healthy. */
    private static RolloutSim timedCanary(long seed) {
        RolloutSim sim = new RolloutSim(seed);
        sim.steady(3);
        sim.deploy(2, new RolloutSpec("canary", null, null, null, List.of(new CanaryStep("1", "1h", null)), null, "10s", "60s", "120s", null)
                .validate(3));
        for (int k = 0; k < 200 && !(sim.d.pausedUntil() != null && sim.available() == 4); k++) {
            sim.round();
            sim.calm();
        }
        assertThat(sim.d.state()).as("a timed step runs").isEqualTo(DeploymentState.RUNNING);
        assertThat(sim.available()).isEqualTo(4);
        return sim;
    }

    @Test
    void aCanaryInATimedStepMovesItsOwnInstanceOffADrainingAgentAndStaysInItsStep() {
        RolloutSim sim = timedCanary(17);
        String canary = first(sim, 2);
        java.time.Instant until = sim.d.pausedUntil();
        sim.leaving.add(canary);
        // before, the canary stayed on the draining agent for the step's whole hour: the drain waited for the rollout
        List<Action> a = Reconciler.decide(sim.svc, sim.d, List.copyOf(sim.inst.values()), sim.leaving, sim.now);
        assertThat(a).containsExactly(new Action.Place(2, "replaces " + canary + " (its agent is draining)", false, canary));
        sim.round();
        String moved = sim.inst.values().stream().filter(i -> canary.equals(i.movedFrom())).findFirst().orElseThrow().id();
        for (int k = 0; k < 40 && !sim.inst.get(canary).stopRequested(); k++) {
            assertThat(sim.inst.get(moved).stopRequested()).as("the step's count of 1 does not stop the instance taking over").isFalse();
            sim.now = sim.now.plusSeconds(2);
            sim.round(); // the one taking over starts and passes its check; the canary on the draining agent serves meanwhile
            sim.calm();
        }
        assertThat(sim.inst.get(canary).reason()).isEqualTo("its agent is draining, and an instance elsewhere took its place");
        sim.round();
        assertThat(sim.d.state()).isEqualTo(DeploymentState.RUNNING);
        assertThat(sim.d.step()).isZero();
        assertThat(sim.d.pausedUntil()).as("the step's hour is not restarted").isEqualTo(until);
        assertThat(sim.live(2)).isEqualTo(1);
        assertThat(sim.live(1)).isEqualTo(3);
        assertThat(sim.inst.get(moved).stopRequested()).isFalse();
    }

    @Test
    void aCanaryMoveThatFindsNoRoomNeitherFailsNorHoldsUpTheRollout() {
        RolloutSim sim = timedCanary(18);
        String canary = first(sim, 2);
        sim.leaving.add(canary);
        sim.round();
        String moved = sim.inst.values().stream().filter(i -> canary.equals(i.movedFrom())).findFirst().orElseThrow().id();
        sim.now = sim.d.pausedUntil().plusSeconds(1); // an hour on, the one taking over still finds no room
        for (int k = 0; k < 200 && !sim.d.state().terminal(); k++) {
            sim.round();
            sim.calm();
            sim.inst.put(moved, pending(sim.inst.get(moved)));
        }
        assertThat(sim.d.state()).as("a drain with no room elsewhere fails no rollout: %s", sim.d.reason()).isEqualTo(DeploymentState.SUCCEEDED);
        sim.round(); // the steady state keeps the one moving until the one taking over is available
        assertThat(sim.inst.get(canary).stopRequested()).isFalse();
        assertThat(sim.inst.get(moved).stopRequested()).isFalse();
        assertThat(sim.live(2)).isEqualTo(4);
        assertThat(sim.available()).isEqualTo(3);
        for (int k = 0; k < 20 && !sim.inst.get(canary).stopRequested(); k++) { // room at last
            sim.calm();
            sim.round();
            sim.now = sim.now.plusSeconds(2);
        }
        assertThat(sim.inst.get(canary).reason()).isEqualTo("its agent is draining, and an instance elsewhere took its place");
        assertThat(sim.available(2)).isEqualTo(3);
    }

    /** {@code i} as it was when asked for: not placed yet. */
    private static dev.steward.api.InstanceInfo pending(dev.steward.api.InstanceInfo i) {
        return new dev.steward.api.InstanceInfo(i.id(), i.service(), i.revision(), null, null, dev.steward.api.InstanceState.PENDING, null, null, null,
                null, null, java.util.Map.of(), null, null, "not placed yet: 2 agents: 1 insufficient cpus, 1 draining", false, i.createdAt(), null,
                i.movedFrom(), null, 0, 0);
    }

    @Test
    void aRollingUpdateMovesItsOwnInstanceOffADrainingAgentAtOnceAndGoesOn() {
        RolloutSim sim = new RolloutSim(21);
        sim.steady(4);
        sim.deploy(2, new RolloutSpec("rolling", "1", "0", null, null, null, "10s", "60s", "120s", null).validate(4));
        for (int k = 0; k < 200 && sim.available(2) < 1; k++) {
            sim.round();
            sim.now = sim.now.plusSeconds(1);
            sim.calm();
        }
        assertThat(sim.live(1)).as("the rollout has old instances to replace yet").isGreaterThan(1);
        String fresh = first(sim, 2);
        sim.leaving.add(fresh);
        // before, it stayed on the draining agent until the whole rollout had ended
        assertThat(Reconciler.decide(sim.svc, sim.d, List.copyOf(sim.inst.values()), sim.leaving, sim.now))
                .contains(new Action.Place(2, "replaces " + fresh + " (its agent is draining)", false, fresh));
        for (int k = 0; k < 200 && !sim.d.state().terminal(); k++) {
            sim.round(); // the sim checks the surge, but for the one taking over while the one moving runs
            sim.calm();
        }
        assertThat(sim.d.state()).isEqualTo(DeploymentState.SUCCEEDED);
        assertThat(sim.inst.get(fresh).stopRequested()).isTrue();
        assertThat(sim.live(2)).isEqualTo(4);
        assertThat(sim.available(2)).isEqualTo(4);
    }

    @Test
    void blueGreenBeforeItsSwitchMovesANewInstanceOffADrainingAgent() {
        RolloutSim sim = new RolloutSim(19);
        sim.steady(2);
        sim.deploy(2, new RolloutSpec("bluegreen", null, null, null, null, null, "10s", "60s", "120s", null).validate(2));
        sim.round(); // two of revision 2 are placed
        sim.calm();
        String fresh = first(sim, 2);
        sim.leaving.add(fresh);
        List<Action> a = Reconciler.decide(sim.svc, sim.d, List.copyOf(sim.inst.values()), sim.leaving, sim.now);
        assertThat(a).contains(new Action.Place(2, "replaces " + fresh + " (its agent is draining)", false, fresh));
        for (int k = 0; k < 100 && !sim.d.state().terminal(); k++) {
            sim.round();
            sim.now = sim.now.plusSeconds(2);
            sim.calm();
        }
        assertThat(sim.d.state()).isEqualTo(DeploymentState.SUCCEEDED);
        assertThat(sim.inst.get(fresh).stopRequested()).isTrue();
        assertThat(sim.live(2)).isEqualTo(2);
        assertThat(sim.live(1)).isZero();
    }

    @Test
    void aLossAtTheInstantACanaryStepPausesWasCountedByThatStepAndIsNotOwedButOneAtAPersonsPauseIs() {
        RolloutSim sim = new RolloutSim(23);
        sim.steady(4);
        sim.deploy(2, new RolloutSpec("canary", null, null, null, List.of(new CanaryStep("25%", "promote", null)), null, "10s", "60s", "120s", null)
                .validate(4));
        for (int k = 0; k < 200 && Reconciler.decide(sim.svc, sim.d, List.copyOf(sim.inst.values()), sim.now).stream()
                .noneMatch(a -> a instanceof Action.Step s && s.waitForPromote()); k++) {
            sim.round();
            sim.now = sim.now.plusSeconds(1);
            sim.calm();
        }
        // a second canary instance, one too many, lost in the very instant the step pauses: the step counted without it
        dev.steward.api.InstanceInfo extra = new dev.steward.api.InstanceInfo("x1", "web/test", 2, null, null, dev.steward.api.InstanceState.LOST, null,
                null, null, null, null, java.util.Map.of(), null, null, "its agent was lost", false, sim.now.minusSeconds(30), sim.now, null, null, 0, 0);
        sim.inst.put(extra.id(), extra);
        sim.round();
        assertThat(sim.d.state()).isEqualTo(DeploymentState.PAUSED);
        sim.now = sim.now.plusSeconds(60);
        // before, the loss counted as since the pause, and the canary ran 2 where its step wanted 1
        assertThat(Reconciler.decide(sim.svc, sim.d, List.copyOf(sim.inst.values()), sim.now)).noneMatch(a -> a instanceof Action.Place);

        RolloutSim person = new RolloutSim(24);
        person.steady(2);
        person.deploy(2, new RolloutSpec("rolling", "1", "0", null, null, null, "10s", "60s", "120s", null).validate(2));
        person.pause(); // asked for by a person; a loss after it, in the same instant, is owed
        person.lose(first(person, 1));
        assertThat(Reconciler.decide(person.svc, person.d, List.copyOf(person.inst.values()), person.now))
                .singleElement().isInstanceOf(Action.Place.class);
    }
}
