package io.vigie.ota.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rollback decisions end to end on the core: package manager + fake DeploymentAdmin + synthetic events. */
class ModelGuardTest {
    @TempDir
    Path tmp;
    static final ModelRef V1 = new ModelRef("ssd", "INT8", "1.0.0", "a".repeat(64));
    static final ModelRef V2 = new ModelRef("ssd", "INT8", "2.0.0", "b".repeat(64));

    FakeDa da;
    DpStore store;
    PackageManager pm;
    ModelGuard guard;
    final List<ModelGuard.Outcome> outcomes = new ArrayList<>();
    long now = 1_000_000;

    @BeforeEach
    void setUp() throws Exception {
        // the OSGi glue does the same: every install is shown to the guard
        GuardedPackages g = new GuardedPackages(tmp.resolve("dp"), new HealthPolicy(10_000, 0, 1000, 0.5), () -> now,
                outcomes::add);
        da = g.da;
        store = g.store;
        pm = g.pm;
        guard = g.guard;
    }

    /** Frames at 10 fps on a model for a while, ticking like the glue does. */
    void frames(ModelRef m, long ms) {
        for (long end = now + ms; now < end; now += 100) {
            guard.frame(m, 80, now);
            guard.tick(now);
        }
    }

    Path dp(String version, ModelRef m) throws Exception {
        return TestDps.model(Files.createDirectories(tmp.resolve("in")), "ssd-int8", "io.vigie.model.int8", version, m);
    }

    @Test
    void refusedUpdateIsRolledBackToThePreviousPackage() throws Exception {
        frames(V1, 2_000);
        pm.install(dp("1.0.0", V1), null, null);
        frames(V1, 12_000); // its own model keeps serving: healthy after the window
        assertEquals(1, outcomes.size());
        assertTrue(outcomes.get(0).healthy(), outcomes.get(0).reason());

        pm.install(dp("2.0.0", V2), null, null);
        CompletableFuture<ModelGuard.Outcome> verdict = guard.pending("ssd-int8").orElseThrow();
        assertEquals("1.0.0", store.previous("ssd-int8").orElseThrow().version());
        frames(V1, 1_000);
        guard.model(V2, "model ssd/INT8/2.0.0 refused: smoke inference found no person", now);
        frames(V1, 600);

        ModelGuard.Outcome o = verdict.getNow(null);
        assertFalse(o.healthy());
        assertEquals("ROLLED_BACK", o.state());
        assertEquals("1.0.0", o.restoredVersion());
        assertTrue(o.reason().contains("no person"), o.reason());
        assertEquals(List.of("ssd-int8 1.0.0", "ssd-int8 2.0.0", "ssd-int8 1.0.0"), da.installs);
        assertEquals("1.0.0", da.installed.get("ssd-int8").version());
        assertEquals("1.0.0", store.entries().get(0).version(), "the store indexes the restored package again");
        assertTrue(store.previous("ssd-int8").isEmpty());
        assertTrue(guard.watching().isEmpty(), "the rollback's own install is not watched");
        assertEquals("ROLLED_BACK", guard.outcomes().get("ssd-int8").state());
    }

    @Test
    void theRollbackDowngradesAlthoughDowngradesAreRefused() throws Exception {
        frames(V1, 2_000);
        pm.install(dp("1.0.0", V1), null, null);
        frames(V1, 12_000);
        pm.install(dp("2.0.0", V2), null, null);
        OtaException manual = org.junit.jupiter.api.Assertions.assertThrows(OtaException.class,
                () -> pm.install(dp("1.0.0", V1), null, null));
        assertTrue(manual.getMessage().contains("downgrades are refused"), manual.getMessage());
        guard.model(V2, "model ssd/INT8/2.0.0 refused: smoke inference found no person", now);
        frames(V1, 600);
        ModelGuard.Outcome o = outcomes.get(outcomes.size() - 1);
        assertEquals("ROLLED_BACK", o.state(), String.valueOf(o.rollbackError()));
        assertEquals("1.0.0", o.restoredVersion());
        assertEquals("1.0.0", da.installed.get("ssd-int8").version());
        assertEquals("1.0.0", store.entries().get(0).version());
    }

    @Test
    void failingFirstInstallIsUninstalled() throws Exception {
        frames(V1, 2_000); // the runtime's own copy of the model serves
        pm.install(dp("2.0.0", V2), null, null);
        frames(V1, 10_500); // V2 never shows up although INT8 is the active precision
        assertEquals(1, outcomes.size());
        ModelGuard.Outcome o = outcomes.get(0);
        assertTrue(o.uninstalled() && o.restoredVersion() == null, o.toString());
        assertTrue(o.reason().contains("did not become active"), o.reason());
        assertTrue(da.installed.isEmpty());
        assertTrue(store.entries().isEmpty());
    }

    @Test
    void uninstallDuringTheWindowEndsTheWatchWithoutReinstallingAnything() throws Exception {
        frames(V1, 2_000);
        pm.install(dp("1.0.0", V1), null, null);
        frames(V1, 12_000);
        pm.install(dp("2.0.0", V2), null, null);
        CompletableFuture<ModelGuard.Outcome> verdict = guard.pending("ssd-int8").orElseThrow();
        frames(V2, 1_000);
        pm.uninstall("ssd-int8"); // the user removes the model package while it is watched
        ModelGuard.Outcome o = verdict.getNow(null);
        assertTrue(o != null && o.reason().contains("uninstalled before the verdict"), String.valueOf(o));
        assertTrue(guard.watching().isEmpty());
        frames(V1, 12_000); // the runtime's own model serves again: nothing may be "rolled back"
        assertEquals(1, outcomes.size(), "only the first install's verdict: " + outcomes);
        assertTrue(da.installed.isEmpty(), "the uninstalled package stays uninstalled: " + da.installed);
        assertEquals(List.of("ssd-int8 1.0.0", "ssd-int8 2.0.0"), da.installs);
    }

    @Test
    void slowModelIsRolledBackAfterItsWindow() throws Exception {
        frames(V1, 2_000);
        pm.install(dp("1.0.0", V1), null, null);
        pm.install(dp("2.0.0", V2), null, null); // supersedes the watch of 1.0.0
        assertTrue(outcomes.isEmpty());
        for (long end = now + 10_500; now < end; now += 400) { // 2.5 fps, each frame 1.4 s late
            guard.frame(V2, 1400, now);
            guard.tick(now);
        }
        assertEquals(1, outcomes.size());
        assertTrue(outcomes.get(0).reason().contains("too slow"), outcomes.get(0).reason());
        assertEquals("1.0.0", da.installed.get("ssd-int8").version());
    }

    @Test
    void packagesWithoutAModelOrWithRollbackOffAreNotWatched() throws Exception {
        pm.install(TestDps.model(tmp, "plain", "io.plain", "1.0.0"), null, null);
        assertTrue(guard.watching().isEmpty());
        guard.configure(false, new HealthPolicy(10_000, 0, 1000, 0.5));
        pm.install(dp("2.0.0", V2), null, null);
        assertTrue(guard.watching().isEmpty());
        assertNull(guard.pending("ssd-int8").orElse(null));
    }

    @Test
    void readsTheModelIdentityFromThePackage() throws Exception {
        assertEquals(List.of(V2), ModelRef.inPackage(dp("2.0.0", V2)));
        assertEquals(List.of(), ModelRef.inPackage(TestDps.model(tmp, "plain", "io.plain", "1.0.0")));
    }
}
