package io.vigie.ota.osgi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.vigie.ota.core.DpInspector;
import io.vigie.ota.core.DpStore;
import io.vigie.ota.core.FakeDa;
import io.vigie.ota.core.OtaException;
import io.vigie.ota.core.PackageManager;
import io.vigie.ota.core.PackageSigner;
import io.vigie.ota.core.TestDps;

/** Signed packages by default: what the configuration the console shows (its defaults) makes the package manager do. */
class SigningDefaultsTest {
    @TempDir
    Path tmp;
    FakeDa da;
    PackageManager pm;

    @BeforeEach
    void setUp() throws Exception {
        DpInspector inspector = new DpInspector("x86-64");
        da = new FakeDa();
        pm = new PackageManager(da, new DpStore(tmp.resolve("store")), inspector, new PackageManager.Listener() {
            public void installed(io.vigie.ota.core.DpInfo info, String sha256) {
            }

            public void uninstalled(String name) {
            }

            public void failed(String name, String operation, OtaException e) {
            }
        });
    }

    @Test
    void theDefaultConfigurationRefusesUnsignedPackagesPointingAtTheKeysCommand() throws Exception {
        PackageManager.Options o = OtaComponent.packageOptions(OtaConfigs.of(Map.of()));
        assertTrue(o.signatureRequired());
        assertNull(o.verifier());
        pm.options(o);
        OtaException e = assertThrows(OtaException.class, () -> pm.install(TestDps.model(tmp, "u", "io.u", "1.0.0"), null,
                null));
        assertTrue(e.getMessage().contains("./vigie keys"), e.getMessage());
        assertTrue(da.installs.isEmpty());
    }

    @Test
    void withAKeyOnlySignedPackagesInstallAndTurningItOffIsExplicit() throws Exception {
        PackageSigner.KeyFiles keys = PackageSigner.generate(tmp.resolve("keys"), false);
        pm.options(OtaComponent.packageOptions(OtaConfigs.of(Map.of("public_key", new String[] { keys.publicKeyBase64() }))));
        Path dp = TestDps.model(tmp, "s", "io.s", "1.0.0");
        OtaException unsigned = assertThrows(OtaException.class, () -> pm.install(dp, null, null));
        assertEquals(OtaException.Kind.INVALID, unsigned.kind);
        assertTrue(unsigned.getMessage().contains("not signed"), unsigned.getMessage());
        Path sig = PackageSigner.signFile(PackageSigner.readPrivateKey(keys.privateKey()), dp);
        pm.install(dp, null, Files.readAllBytes(sig));
        assertEquals(List.of("s 1.0.0"), da.installs);

        PackageManager.Options off = OtaComponent.packageOptions(OtaConfigs.of(Map.of("signature_required", false)));
        assertFalse(off.signatureRequired());
        pm.options(off);
        pm.install(TestDps.model(tmp, "u", "io.u", "1.0.0"), null, null);
        assertEquals(List.of("s 1.0.0", "u 1.0.0"), da.installs);
    }
}
