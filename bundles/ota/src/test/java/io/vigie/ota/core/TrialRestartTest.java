package io.vigie.ota.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A package the gateway stopped (or crashed) under before its verdict is rolled back at the next start. */
class TrialRestartTest {
    @TempDir
    Path tmp;
    static final ModelRef V1 = new ModelRef("ssd", "INT8", "1.0.0", "a".repeat(64));
    static final ModelRef V2 = new ModelRef("ssd", "INT8", "2.0.0", "b".repeat(64));
    GuardedPackages g;
    long now = 1_000_000;

    @BeforeEach
    void setUp() throws Exception {
        g = new GuardedPackages(tmp.resolve("dp"), new HealthPolicy(10_000, 0, 1000, 0.5), () -> now, o -> { });
    }

    Path dp(String version, ModelRef m) throws Exception {
        return TestDps.model(Files.createDirectories(tmp.resolve("in")), "ssd-int8", "io.vigie.model.int8", version, m);
    }

    /** The next start: a framework without the packages, the same store. */
    List<String> restart(FakeDa fresh, List<String> events) throws Exception {
        PackageManager after = new PackageManager(fresh, new DpStore(tmp.resolve("dp")), new DpInspector("x86-64"),
                new PackageManager.Listener() {
                    @Override
                    public void installed(DpInfo info, String sha256) {
                    }

                    @Override
                    public void uninstalled(String name) {
                    }

                    @Override
                    public void failed(String name, String operation, OtaException e) {
                        events.add(operation + " " + name + ": " + e.getMessage());
                    }
                });
        after.trials(true);
        return after.restore(null);
    }

    @Test
    void anUpdateNeverJudgedGivesWayToThePackageItReplaced() throws Exception {
        g.pm.install(dp("1.0.0", V1), null, null);
        g.pm.judged("ssd-int8"); // v1 proved healthy
        g.pm.install(dp("2.0.0", V2), null, null); // watched... and the gateway stops
        assertEquals(1, g.store.unjudged().size());
        FakeDa fresh = new FakeDa();
        List<String> events = new ArrayList<>();
        assertEquals(List.of("ssd-int8"), restart(fresh, events));
        assertEquals(List.of("ssd-int8 1.0.0"), fresh.installs);
        assertEquals(List.of("restore ssd-int8: ssd-int8 2.0.0 never proved healthy (the gateway stopped during its trial):"
                + " back to 1.0.0"), events);
        DpStore s = new DpStore(tmp.resolve("dp"));
        assertEquals("1.0.0", s.current("ssd-int8").orElseThrow().version());
        assertTrue(s.pending().isEmpty());
    }

    @Test
    void aFirstInstallNeverJudgedIsForgotten() throws Exception {
        g.pm.install(dp("1.0.0", V1), null, null);
        FakeDa fresh = new FakeDa();
        List<String> events = new ArrayList<>();
        assertEquals(List.of(), restart(fresh, events));
        assertTrue(fresh.installs.isEmpty());
        assertTrue(new DpStore(tmp.resolve("dp")).entries().isEmpty());
    }

    @Test
    void aJudgedPackageIsReinstalledAsItIs() throws Exception {
        g.pm.install(dp("1.0.0", V1), null, null);
        g.pm.judged("ssd-int8");
        FakeDa fresh = new FakeDa();
        assertEquals(List.of("ssd-int8"), restart(fresh, new ArrayList<>()));
        assertEquals(List.of("ssd-int8 1.0.0"), fresh.installs);
    }

    @Test
    void aPackageWithoutModelIsJudgedAtOnceAndARefusedOneLeavesNoMarker() throws Exception {
        g.pm.install(TestDps.model(tmp, "plain", "io.plain", "1.0.0"), null, null);
        assertTrue(g.store.pending().isEmpty(), "no verdict is coming for a package without a model");
        g.da.refuse = true;
        try {
            g.pm.install(dp("1.0.0", V1), null, null);
        } catch (OtaException expected) {
            // DeploymentAdmin refused it
        }
        assertTrue(g.store.pending().isEmpty());
    }
}
