package io.vigie.ota.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PackageManagerTest {
    @TempDir
    Path tmp;

    final List<String> events = new ArrayList<>();
    FakeDa da;
    DpStore store;
    PackageManager pm;

    PackageManager manager(FakeDa d, DpStore s) {
        return new PackageManager(d, s, new DpInspector("x86-64"), new PackageManager.Listener() {
            @Override
            public void installed(DpInfo info, String sha256) {
                events.add("INSTALLED " + info.name() + " " + info.version());
            }

            @Override
            public void uninstalled(String name) {
                events.add("UNINSTALLED " + name);
            }

            @Override
            public void failed(String name, String operation, OtaException e) {
                events.add("FAILED " + name + " " + operation + " " + e.kind);
            }
        });
    }

    @BeforeEach
    void setUp() throws Exception {
        da = new FakeDa();
        store = new DpStore(tmp.resolve("data/dp"));
        pm = manager(da, store);
    }

    @Test
    void installKeepsTheFileAndIndexesIt() throws Exception {
        Path dp = TestDps.model(tmp, "m8", "io.m8", "1.0.0.1");
        DpInfo i = pm.install(dp, HashSpec.parse("sha256:" + HashSpec.sha256(dp)), null).info();
        assertEquals("m8", i.name());
        assertEquals(List.of("m8 1.0.0.1"), da.installs);
        assertEquals(1, store.entries().size());
        assertEquals("1.0.0.1", store.entries().get(0).version());
        assertTrue(Files.isRegularFile(store.dir().resolve("m8.dp")));
        assertEquals(List.of("INSTALLED m8 1.0.0.1"), events);
        // update of the same package (same bundle) is no clash
        pm.install(TestDps.model(tmp, "m8", "io.m8", "1.0.0.2"), null, null);
        assertEquals("1.0.0.2", store.entries().get(0).version());
    }

    @Test
    void wrongShaInstallsNothing() throws Exception {
        Path dp = TestDps.model(tmp, "m8", "io.m8", "1.0.0");
        OtaException e = assertThrows(OtaException.class,
                () -> pm.install(dp, HashSpec.parse("sha256:" + "0".repeat(64)), null));
        assertEquals(OtaException.Kind.INVALID, e.kind);
        assertTrue(da.installs.isEmpty());
        assertTrue(store.entries().isEmpty());
        assertEquals(List.of("FAILED " + dp.getFileName() + " install INVALID"), events);
    }

    @Test
    void corruptOrWrongArchInstallsNothing() throws Exception {
        Path bad = Files.writeString(tmp.resolve("junk.dp"), "junk");
        assertEquals(OtaException.Kind.INVALID, assertThrows(OtaException.class, () -> pm.install(bad, null, null)).kind);
        Path arm = TestDps.core(tmp, "linux-arm64", "aarch64");
        assertEquals(OtaException.Kind.INVALID, assertThrows(OtaException.class, () -> pm.install(arm, null, null)).kind);
        assertTrue(da.installs.isEmpty());
        assertTrue(store.entries().isEmpty());
    }

    @Test
    void clashWithAnotherPackageOrAnUnmanagedBundle() throws Exception {
        pm.install(TestDps.model(tmp, "a", "io.shared", "1.0.0"), null, null);
        OtaException e = assertThrows(OtaException.class,
                () -> pm.install(TestDps.model(tmp, "b", "io.shared", "1.0.0"), null, null));
        assertEquals(OtaException.Kind.CLASH, e.kind);
        assertTrue(e.getMessage().contains("already belongs to deployment package a"), e.getMessage());
        da.unmanaged.put("io.launcher", new Deployer.Unmanaged("1.0.0", true));
        OtaException u = assertThrows(OtaException.class,
                () -> pm.install(TestDps.model(tmp, "c", "io.launcher", "1.0.0"), null, null));
        assertEquals(OtaException.Kind.CLASH, u.kind);
        assertTrue(u.getMessage().contains("exports packages"), u.getMessage());
        assertEquals(List.of("a 1.0.0"), da.installs);
        assertEquals(List.of("a"), store.entries().stream().map(DpStore.Entry::name).toList());
        assertTrue(da.retired.isEmpty());
    }

    @Test
    void adoptsTheLaunchersCopyOfAnotherVersionAfterDaSucceeded() throws Exception {
        da.unmanaged.put("io.model", new Deployer.Unmanaged("0.9.0", false));
        da.refuse = true;
        assertThrows(OtaException.class, () -> pm.install(TestDps.model(tmp, "m", "io.model", "1.0.0"), null, null));
        assertTrue(da.retired.isEmpty(), "DA failed: the runtime's copy stays");
        da.refuse = false;
        pm.install(TestDps.model(tmp, "m", "io.model", "1.0.0"), null, null);
        assertEquals(List.of("io.model"), da.retired);
        assertTrue(da.restored.isEmpty());
    }

    @Test
    void sameVersionCopyIsRetiredFirstAndPutBackWhenDaFails() throws Exception {
        da.unmanaged.put("io.model", new Deployer.Unmanaged("1.0.0", false));
        da.refuse = true;
        assertThrows(OtaException.class, () -> pm.install(TestDps.model(tmp, "m", "io.model", "1.0.0"), null, null));
        assertEquals(List.of("io.model"), da.retired);
        assertEquals(List.of("bundles/io.model.jar"), da.restored);
    }

    @Test
    void daRefusalIsReportedAndNotStored() throws Exception {
        da.refuse = true;
        OtaException e = assertThrows(OtaException.class, () -> pm.install(TestDps.model(tmp, "a", "io.a", "1.0.0"), null, null));
        assertTrue(e.getMessage().contains("resolution failed"), e.getMessage());
        assertTrue(store.entries().isEmpty());
    }

    @Test
    void signatureRequiredRefusesUnsignedAndTampered() throws Exception {
        KeyPair kp = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        pm.options(new PackageManager.Options(SignatureVerifier.of(SignatureVerifierTest.pem(kp)), true, false));
        Path dp = TestDps.model(tmp, "s", "io.s", "1.0.0");
        assertEquals(OtaException.Kind.INVALID, assertThrows(OtaException.class, () -> pm.install(dp, null, null)).kind);
        byte[] sig = SignatureVerifierTest.sign(kp, "Ed25519", Files.readAllBytes(dp));
        byte[] bad = sig.clone();
        bad[5] ^= 1;
        assertEquals(OtaException.Kind.INVALID, assertThrows(OtaException.class, () -> pm.install(dp, null, bad)).kind);
        assertTrue(da.installs.isEmpty());
        pm.install(dp, null, sig);
        assertEquals(List.of("s 1.0.0"), da.installs);
    }

    @Test
    void sameNameAndVersionWithOtherContentIsRefusedAndTheStoreKept() throws Exception {
        pm.install(TestDps.model(tmp, "m", "io.m", "0.9.0"), null, null);
        Path v1 = TestDps.model(tmp, "m", "io.m", "1.0.0");
        pm.install(v1, null, null);
        byte[] stored = Files.readAllBytes(store.dir().resolve("m.dp"));
        // same name and version, other bytes (the bundle carries a model now)
        Path other = TestDps.model(Files.createDirectories(tmp.resolve("other")), "m", "io.m", "1.0.0",
                new ModelRef("ssd", "INT8", "1.0.0", "0".repeat(64)));
        events.clear();
        OtaException e = assertThrows(OtaException.class, () -> pm.install(other, null, null));
        assertEquals(OtaException.Kind.CLASH, e.kind);
        assertEquals(409, e.kind.status);
        assertEquals("m 1.0.0 is already installed with different content (sha256 " + HashSpec.sha256(v1)
                + ", this package " + HashSpec.sha256(other) + "); bump the version", e.getMessage());
        assertEquals(List.of("FAILED m install CLASH"), events);
        assertEquals(List.of("m 0.9.0", "m 1.0.0"), da.installs);
        assertArrayEquals(stored, Files.readAllBytes(store.dir().resolve("m.dp")), "the stored package is unchanged");
        assertEquals(HashSpec.sha256(v1), store.entries().get(0).sha256());
        assertEquals("0.9.0", store.previous("m").orElseThrow().version(), "the rollback's way back is kept");
    }

    @Test
    void theSamePackageAgainIsANoOpThatKeepsThePreviousVersion() throws Exception {
        pm.install(TestDps.model(tmp, "m", "io.m", "0.9.0"), null, null);
        Path v1 = TestDps.model(tmp, "m", "io.m", "1.0.0");
        pm.install(v1, null, null);
        events.clear();
        PackageManager.Result again = pm.install(v1, null, null);
        assertTrue(again.unchanged());
        assertEquals("1.0.0", again.info().version());
        assertEquals(HashSpec.sha256(v1), again.sha256());
        assertEquals(List.of("m 0.9.0", "m 1.0.0"), da.installs, "not handed to DeploymentAdmin again");
        assertEquals(List.of(), events, "nothing happened: no event");
        assertEquals("0.9.0", store.previous("m").orElseThrow().version(), "the previous version is still the way back");
    }

    @Test
    void downgradesAreRefusedUnlessAllowed() throws Exception {
        pm.install(TestDps.model(tmp, "m", "io.m", "2.0.0"), null, null);
        Path old = TestDps.model(tmp, "m", "io.m", "1.10.0");
        OtaException e = assertThrows(OtaException.class, () -> pm.install(old, null, null));
        assertEquals(OtaException.Kind.CLASH, e.kind);
        assertEquals("m 1.10.0 is older than the installed 2.0.0: downgrades are refused (allow.downgrade=true allows them)",
                e.getMessage());
        assertEquals("2.0.0", store.entries().get(0).version());
        pm.options(new PackageManager.Options(null, false, true));
        pm.install(old, null, null);
        assertEquals("1.10.0", da.installed.get("m").version());
        assertEquals("1.10.0", store.entries().get(0).version());
    }

    @Test
    void versionsCompareTheOsgiWay() {
        assertEquals(0, PackageManager.compareVersions("1.0", "1.0.0"));
        assertTrue(PackageManager.compareVersions("1.10.0", "1.9.0") > 0);
        assertTrue(PackageManager.compareVersions("1.0.0", "1.0.0.q") < 0);
        assertTrue(PackageManager.compareVersions("0.1.0.202611250902u2", "0.1.0.202611250902") > 0);
        assertTrue(PackageManager.compareVersions("1.0.0.a", "1.0.0.b") < 0);
    }

    @Test
    void uninstallRemovesFromDaAndDisk() throws Exception {
        pm.install(TestDps.model(tmp, "a", "io.a", "1.0.0"), null, null);
        pm.uninstall("a");
        assertTrue(da.installed.isEmpty());
        assertTrue(store.entries().isEmpty());
        assertFalse(Files.exists(store.dir().resolve("a.dp")));
        assertEquals(OtaException.Kind.NOT_FOUND, assertThrows(OtaException.class, () -> pm.uninstall("a")).kind);
    }

    @Test
    void restartReinstallsCoreFirstThenSeedsOnce() throws Exception {
        pm.install(TestDps.model(tmp, "a-model", "io.a", "1.0.0"), null, null);
        pm.install(TestDps.core(tmp, "linux-x86_64", "x86-64"), null, null);
        Path seeds = Files.createDirectories(tmp.resolve("seed"));
        TestDps.model(seeds, "z-seed", "io.z", "1.0.0");
        TestDps.model(seeds, "a-model", "io.a", "0.9.0"); // already stored: the stored one wins
        Files.writeString(seeds.resolve("broken.dp"), "nope");

        FakeDa fresh = new FakeDa(); // the standalone framework storage is wiped at each start
        PackageManager after = manager(fresh, new DpStore(tmp.resolve("data/dp")));
        events.clear();
        List<String> done = after.restore(seeds);
        assertEquals(List.of("vigie-core", "a-model", "z-seed"), done);
        assertEquals(List.of("vigie-core 1.0.0", "a-model 1.0.0", "z-seed 1.0.0"), fresh.installs);
        assertTrue(events.contains("FAILED broken.dp seed INVALID"), events.toString());

        // next start: DA still has them all -> nothing to do
        assertEquals(List.of(), after.restore(seeds));
    }

    @Test
    void restoreSkipsATamperedStoredFile() throws Exception {
        pm.install(TestDps.model(tmp, "a", "io.a", "1.0.0"), null, null);
        Path stored = store.dir().resolve("a.dp");
        byte[] b = Files.readAllBytes(stored);
        b[b.length - 30] ^= 1;
        Files.write(stored, b);
        FakeDa fresh = new FakeDa();
        events.clear();
        assertEquals(List.of(), manager(fresh, store).restore(null));
        assertTrue(fresh.installs.isEmpty());
        assertEquals(List.of("FAILED a restore INVALID"), events);
    }
}
