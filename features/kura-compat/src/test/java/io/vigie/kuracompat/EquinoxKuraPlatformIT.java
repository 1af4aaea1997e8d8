package io.vigie.kuracompat;

import static org.junit.jupiter.api.Assertions.*;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;

/**
 * Issue 3 item 7: the core and model DP bundles on Kura 5.x's platform — Equinox 3.16 with Felix
 * SCR 2.1.16, Equinox CM / metatype / event / http.servlet 1.6.600 (HTTP Whiteboard 1.1, javax
 * servlet 3.1), Felix DA 0.9.5, slf4j 1.7.36, gson 2.9.0 — all resolve, start, and the detector
 * binds the engine, the video factory and both model services there.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EquinoxKuraPlatformIT {
    Framework fw;
    BundleContext ctx;
    final List<Bundle> installed = new ArrayList<>();
    final List<String> startErrors = new ArrayList<>();

    @BeforeAll
    void start() throws Exception {
        Path dir = Path.of(System.getProperty("vigie.bundles", "target/bundles"));
        File[] jars = dir.toFile().listFiles((d, n) -> n.endsWith(".jar"));
        assertNotNull(jars, "bundles copied to " + dir);
        Arrays.sort(jars);
        Map<String, String> props = new HashMap<>();
        Path storage = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "equinox");
        props.put(Constants.FRAMEWORK_STORAGE, storage.toString());
        props.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        props.put("osgi.console", ""); // no console
        props.put("eclipse.log.enabled", "false");
        props.put("ds.loglevel", System.getProperty("ds.loglevel", "warn"));
        FrameworkFactory factory = ServiceLoader.load(FrameworkFactory.class).iterator().next();
        fw = factory.newFramework(props);
        fw.start();
        assertEquals("org.eclipse.osgi", fw.getSymbolicName(), "runs on Equinox");
        ctx = fw.getBundleContext();
        for (File jar : jars) installed.add(ctx.installBundle(jar.toURI().toString()));
        for (Bundle b : installed) {
            if (b.getHeaders().get(Constants.FRAGMENT_HOST) != null) continue;
            try {
                b.start();
            } catch (org.osgi.framework.BundleException e) {
                startErrors.add(b.getSymbolicName() + ": " + e.getMessage());
            }
        }
    }

    @AfterAll
    void stop() throws Exception {
        if (fw != null) {
            fw.stop();
            fw.waitForStop(20_000);
        }
    }

    @Test
    void everyBundleIsActive() {
        assertTrue(startErrors.isEmpty(), "start failures: " + startErrors);
        List<String> notActive = installed.stream()
                .filter(b -> b.getHeaders().get(Constants.FRAGMENT_HOST) == null && b.getState() != Bundle.ACTIVE)
                .map(b -> b.getSymbolicName() + " state " + b.getState()).collect(Collectors.toList());
        assertTrue(notActive.isEmpty(), "not active: " + notActive);
        // shared by web and telemetry: AWT/ImageIO from the JRE and gson, nothing Felix-only
        assertEquals(Bundle.ACTIVE, find("io.vigie.view").getState());
        Bundle scr = find("org.apache.felix.scr");
        assertEquals("2.1.16", scr.getVersion().toString(), "Kura's SCR");
    }

    @Test
    void servicesRegisterAndTheDetectorBindsBothModels() throws Exception {
        await("io.vigie.api.inference.InferenceEngine");
        await("io.vigie.api.video.FrameSourceFactory");
        ServiceReference<?>[] models = waitFor("io.vigie.api.model.DetectionModel", 2);
        List<String> precisions = Arrays.stream(models).map(r -> (String) r.getProperty("vigie.model.precision")).sorted()
                .collect(Collectors.toList());
        assertEquals(List.of("FP32", "INT8"), precisions);
        for (ServiceReference<?> r : models)
            assertTrue(((String) r.getProperty("vigie.model.sha256")).matches("[0-9a-f]{64}"));
        ServiceReference<?> det = await("io.vigie.api.detect.DetectorService");
        assertEquals("io.vigie.detector", det.getProperty("service.pid"));
        // Kura's ConfigurationService tracks ConfigurableComponents by service.pid
        ServiceReference<?>[] configurables =
                ctx.getAllServiceReferences("org.eclipse.kura.configuration.ConfigurableComponent", null);
        List<String> pids = Arrays.stream(configurables).map(r -> (String) r.getProperty("service.pid")).sorted()
                .collect(Collectors.toList());
        assertTrue(pids.containsAll(List.of("io.vigie.detector", "io.vigie.video", "io.vigie.web", "io.vigie.telemetry")),
                pids.toString());
        // the detector sees both models (status() through reflection: its classes live in the framework)
        Object svc = ctx.getService(det);
        long end = System.currentTimeMillis() + 20_000;
        List<?> available = List.of();
        while (System.currentTimeMillis() < end) {
            Object status = svc.getClass().getMethod("status").invoke(svc);
            available = (List<?>) status.getClass().getMethod("availableModels").invoke(status);
            if (available.size() == 2) break;
            Thread.sleep(100);
        }
        assertEquals(2, available.size(), "models bound by the detector");
    }

    @Test
    void webServletIsPublishedToTheWhiteboard() throws Exception {
        ServiceReference<?>[] servlets = waitFor("javax.servlet.Servlet", 1);
        assertTrue(Arrays.stream(servlets)
                .anyMatch(r -> "io.vigie.web".equals(r.getProperty("osgi.http.whiteboard.servlet.name"))));
        Bundle http = find("org.eclipse.equinox.http.servlet");
        assertEquals(Bundle.ACTIVE, http.getState());
    }

    Bundle find(String bsn) {
        return installed.stream().filter(b -> bsn.equals(b.getSymbolicName())).findFirst()
                .orElseThrow(() -> new AssertionError(bsn + " not installed"));
    }

    ServiceReference<?> await(String clazz) throws Exception {
        return waitFor(clazz, 1)[0];
    }

    /** getAllServiceReferences: this test (the system bundle) is not wired to io.vigie.api, so no class-space filter. */
    ServiceReference<?>[] waitFor(String clazz, int count) throws Exception {
        long end = System.currentTimeMillis() + 30_000;
        while (System.currentTimeMillis() < end) {
            ServiceReference<?>[] refs = ctx.getAllServiceReferences(clazz, null);
            if (refs != null && refs.length >= count) return refs;
            Thread.sleep(100);
        }
        throw new AssertionError("no " + count + " x " + clazz + " within 30 s; bundles: " + installed.stream()
                .map(b -> b.getSymbolicName() + ":" + b.getState()).collect(Collectors.joining(", ")));
    }
}
