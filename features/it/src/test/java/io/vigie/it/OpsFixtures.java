package io.vigie.it;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Base64;
import java.util.Map;

/**
 * What the dashboard's ops browser test (io.vigie.it.dashboard.DashboardOpsIT) needs from this package's
 * package-private helpers: the detector on vtest.avi without zones, a short health window, and a signed model package.
 */
public final class OpsFixtures {
    public static final String INT8 = OtaIT.INT8;

    private OpsFixtures() {
    }

    /** vtest.avi looped on INT8 with no zone (the zones editor draws one). */
    public static Map<String, Object> detectorWithoutZones() {
        Map<String, Object> m = HostileKit.detector("INT8");
        m.put("zones", new String[0]);
        return m;
    }

    /** A 6 s health window (RollbackIT's), the detector's latency budget. */
    public static Map<String, Object> otaShortWindow() {
        return RollbackIT.otaConfig(0);
    }

    /** The INT8 model bundle the gateway embeds, as a model package of the name the gateway runs, at this version. */
    public static byte[] int8ModelDp(String version) throws IOException {
        byte[] bundle = TestDp.withVersion(Files.readAllBytes(TestDp.modelBundle("int8")), version);
        return TestDp.dp(INT8, version, bundle, Map.of("Vigie-Kind", "model"));
    }

    /** A package of one bundle without code (nothing the detector uses): something to uninstall. */
    public static byte[] plainDp(String name, String version) throws IOException {
        java.util.jar.Manifest m = new java.util.jar.Manifest();
        java.util.jar.Attributes a = m.getMainAttributes();
        a.put(java.util.jar.Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Bundle-ManifestVersion", "2");
        a.putValue("Bundle-SymbolicName", "io.vigie.it." + name.replace('-', '.'));
        a.putValue("Bundle-Version", version);
        java.io.ByteArrayOutputStream bos = new java.io.ByteArrayOutputStream();
        new java.util.jar.JarOutputStream(bos, m).close();
        return TestDp.dp(name, version, bos.toByteArray(), Map.of());
    }

    /** The installed INT8 model bundle's own version (a package at it is an install of the same model). */
    public static String int8BundleVersion() throws IOException {
        return TestDp.bundleVersion(Files.readAllBytes(TestDp.modelBundle("int8")));
    }

    /** The gateway's detached signature of a package, as the raw bytes a signature file holds. */
    public static byte[] signature(Gateway gw, byte[] dp) {
        return Base64.getDecoder().decode(gw.signature(dp));
    }

    /** A package POSTed as the body, with the gateway's signature (a script's upload): the server's answer. */
    public static java.net.http.HttpResponse<String> postSigned(Gateway gw, byte[] dp) throws Exception {
        return gw.post("/vigie/api/packages?" + gw.signatureParam(dp), dp, "application/octet-stream");
    }

    /** Waits until the gateway's log holds this text (a configuration applied). */
    public static void awaitLog(Gateway gw, String text) throws IOException {
        gw.await("log: " + text, java.time.Duration.ofSeconds(60), () -> gw.logText().contains(text));
    }

    public static final String DETECTOR = GatewayIT.DETECTOR;
}
