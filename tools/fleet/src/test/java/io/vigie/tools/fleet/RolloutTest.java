package io.vigie.tools.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.vigie.tools.fleet.FleetState.Phase;
import io.vigie.tools.fleet.FleetState.Status;
import io.vigie.tools.fleet.Rollout.Outcome;
import io.vigie.tools.fleet.Rollout.Verdict;

/** The rollout core against fake gateways: waves, halt + rollback, idempotent reruns, resume, offline gateways. */
class RolloutTest {
    @TempDir
    Path dir;

    /** Gateways in memory: packages per gateway, and what each deploy answers. */
    static final class Fake implements Rollout.Port {
        final Map<String, Map<String, String>> packages = new ConcurrentHashMap<>();
        final Set<String> offline = ConcurrentHashMap.newKeySet();
        final Map<String, Outcome> answer = new ConcurrentHashMap<>();
        final List<String> calls = new CopyOnWriteArrayList<>();

        Fake(int n, String name, String version) {
            for (int i = 0; i < n; i++) {
                Map<String, String> m = new TreeMap<>();
                if (version != null) m.put(name, version);
                packages.put(String.format("gw-%02d", i), m);
            }
        }

        @Override
        public Set<String> online() {
            Set<String> s = new TreeSet<>(packages.keySet());
            s.removeAll(offline);
            return s;
        }

        @Override
        public boolean awaitOnline(String gateway, Duration atMost) {
            return !offline.contains(gateway);
        }

        @Override
        public Map<String, String> packages(String gateway) {
            return offline.contains(gateway) ? null : Map.copyOf(packages.get(gateway));
        }

        @Override
        public Verdict deploy(String gateway, Artifact a, URI uri, long jobId, Duration atMost) {
            calls.add("deploy " + gateway + " " + a.version());
            Outcome o = answer.getOrDefault(gateway + " " + a.version(), Outcome.HEALTHY);
            if (o == Outcome.HEALTHY) packages.get(gateway).put(a.name(), a.version());
            return Verdict.of(o, o.name().toLowerCase());
        }

        @Override
        public Verdict uninstall(String gateway, String name, long jobId, Duration atMost) {
            calls.add("uninstall " + gateway);
            packages.get(gateway).remove(name);
            return Verdict.of(Outcome.HEALTHY, "uninstalled");
        }
    }

    FleetState state(Artifact a, String waves, int maxFailures) {
        FleetState s = new FleetState();
        s.name = a.name();
        s.version = a.version();
        s.sha256 = a.sha256();
        s.waves = waves;
        s.maxFailures = maxFailures;
        return s;
    }

    Phase run(FleetState s, Fake port, Artifact a) throws Exception {
        Rollout.plan(s, port.packages.keySet());
        s.kept.put(a.name() + " " + a.version(), a.sha256());
        return new Rollout(s, dir.resolve("state.json"), dir.resolve("dps"), port, a.keep(dir.resolve("dps")),
                x -> URI.create("http://127.0.0.1/dp/" + x.sha256() + ".dp"),
                new Rollout.Options(Duration.ofSeconds(5), Duration.ZERO, 3), x -> { }).run();
    }

    @Test
    void wavesAreCumulativeCountsOrPercentages() {
        assertEquals(List.of(1, 4, 45), Waves.sizes("1,10%,100%", 50));
        assertEquals(List.of(1, 9), Waves.sizes("1,10%,100%", 10));
        assertEquals(List.of(2, 3), Waves.sizes("2", 5));
        assertEquals(List.of(1), Waves.sizes("1,10%,100%", 1));
        assertEquals(List.of(), Waves.sizes("1", 0));
        for (String bad : new String[] { "", "0", "-1", "abc", "101%", "5,2", "NaN%" })
            assertThrows(IllegalArgumentException.class, () -> Waves.sizes(bad, 10), bad);
    }

    @Test
    void goodPackageReachesEveryGatewayWaveByWave() throws Exception {
        TestPackages p = new TestPackages(dir);
        Artifact a = Artifact.load(p.dp("m", "2.0.0", true), Path.of(dir + "/m-2.0.0.dp.sig"), p.publicKey());
        Fake port = new Fake(10, "m", "1.0.0");
        FleetState s = state(a, "1,10%,100%", 0);
        assertEquals(Phase.DONE, run(s, port, a));
        assertEquals(10, s.count(Status.HEALTHY));
        assertEquals("deploy gw-00 2.0.0", port.calls.get(0), "the canary first, alone");
        assertEquals(List.of(1, 9), s.waveSizes);
        assertEquals(s.json(), FleetState.read(dir.resolve("state.json")).json(), "state persisted as it is");
    }

    @Test
    void failingCanaryHaltsAndLeavesTheRestUntouched() throws Exception {
        TestPackages p = new TestPackages(dir);
        Artifact a = Artifact.load(p.dp("m", "2.0.0", true), Path.of(dir + "/m-2.0.0.dp.sig"), p.publicKey());
        Fake port = new Fake(10, "m", "1.0.0");
        port.answer.put("gw-00 2.0.0", Outcome.ROLLED_BACK);
        FleetState s = state(a, "1,10%,100%", 0);
        assertEquals(Phase.HALTED, run(s, port, a));
        assertEquals(List.of("deploy gw-00 2.0.0"), port.calls);
        assertEquals(Status.FAILED, s.gateways.get("gw-00").status);
        assertEquals(9, s.count(Status.UNTOUCHED));
        assertTrue(s.haltReason.contains("wave 1"), s.haltReason);
    }

    @Test
    void failuresOverTheBudgetRollTheUpdatedGatewaysBack() throws Exception {
        TestPackages p = new TestPackages(dir);
        Artifact v1 = Artifact.load(p.dp("m", "1.0.0", true), Path.of(dir + "/m-1.0.0.dp.sig"), p.publicKey());
        Artifact v2 = Artifact.load(p.dp("m", "2.0.0", true), Path.of(dir + "/m-2.0.0.dp.sig"), p.publicKey());
        Fake port = new Fake(6, "m", null);
        port.packages.get("gw-05").put("m", "1.0.0"); // had v1, sent by this tool before (kept)
        FleetState s = state(v2, "1,100%", 1);
        s.kept.put("m 1.0.0", v1.keep(dir.resolve("dps")).sha256());
        port.answer.put("gw-01 2.0.0", Outcome.ROLLED_BACK);
        port.answer.put("gw-02 2.0.0", Outcome.TIMEOUT);
        assertEquals(Phase.HALTED, run(s, port, v2));
        assertEquals(Status.RESTORED, s.gateways.get("gw-00").status, s.gateways.get("gw-00").reason);
        assertTrue(port.calls.contains("uninstall gw-00"), "gw-00 had no package: back to the built-in model");
        assertEquals(Map.of(), port.packages.get("gw-00"));
        if (s.gateways.get("gw-05").status == Status.RESTORED) {
            assertEquals(Map.of("m", "1.0.0"), port.packages.get("gw-05"), "reinstalled the previous package it had");
        }
        assertEquals(2, s.count(Status.FAILED));
        assertEquals(0, s.count(Status.HEALTHY), "nothing stays on the halted version");
    }

    @Test
    void rerunSkipsGatewaysOnTheTargetAndResumeKeepsTheDoneOnes() throws Exception {
        TestPackages p = new TestPackages(dir);
        Artifact a = Artifact.load(p.dp("m", "2.0.0", true), Path.of(dir + "/m-2.0.0.dp.sig"), p.publicKey());
        Fake port = new Fake(4, "m", "1.0.0");
        port.packages.get("gw-02").put("m", "2.0.0");
        port.offline.add("gw-03");
        FleetState s = state(a, "100%", 0);
        assertEquals(Phase.DONE, run(s, port, a));
        assertEquals(Status.SKIPPED, s.gateways.get("gw-02").status);
        assertEquals(Status.OFFLINE, s.gateways.get("gw-03").status, "reported, not a failure");
        assertEquals(2, port.calls.size());

        // the same target again, with gw-03 back: only gw-03 is touched
        port.calls.clear();
        port.offline.clear();
        FleetState again = state(a, "100%", 0);
        assertEquals(Phase.DONE, run(again, port, a));
        assertEquals(List.of("deploy gw-03 2.0.0"), port.calls);
        assertEquals(3, again.count(Status.SKIPPED));

        // a tool that died mid-rollout: INSTALLING gateways are asked what they run, HEALTHY ones are left alone
        FleetState resumed = FleetState.read(dir.resolve("state.json"));
        resumed.phase = Phase.RUNNING;
        resumed.gateways.get("gw-03").status = Status.INSTALLING;
        port.calls.clear();
        assertEquals(Phase.DONE, run(resumed, port, a));
        assertEquals(List.of(), port.calls, "gw-03 already lists 2.0.0: nothing sent again");
        assertEquals(Status.HEALTHY, resumed.gateways.get("gw-03").status);
    }

    @Test
    void aSecondRolloutOnTheSameStateIsRefused() throws Exception {
        try (AutoCloseable first = FleetState.lock(dir)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> FleetState.lock(dir));
            assertTrue(e.getMessage().contains("refused"), e.getMessage());
        }
        try (AutoCloseable again = FleetState.lock(dir)) {
            assertTrue(true, "free again once the first one ended");
        }
    }

    @Test
    void brokenStateFilesAreRefusedNotGuessed() throws Exception {
        java.nio.file.Files.writeString(dir.resolve("state.json"), "{\"gateways\": [1,2");
        assertThrows(java.io.IOException.class, () -> FleetState.read(dir.resolve("state.json")));
        java.nio.file.Files.writeString(dir.resolve("state.json"), "null");
        assertThrows(java.io.IOException.class, () -> FleetState.read(dir.resolve("state.json")));
    }
}
