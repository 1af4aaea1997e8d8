package io.vigie.model.common;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;
import org.osgi.util.tracker.ServiceTracker;

import io.vigie.api.model.DetectionModel;
import io.vigie.api.model.ModelIdentity;

/**
 * The packaged model bundle in a real Felix + SCR: exports nothing, registers exactly one
 * DetectionModel whose service properties are the packed identity, serves verified bytes, and
 * withdraws the service when stopped. Runs on the jar (failsafe, after package).
 */
class ModelBundleIT {

    @Test
    void registersTheModelService() throws Exception {
        Path jar = Path.of(System.getProperty("vigie.bundle.jar", "missing"));
        assertTrue(Files.isRegularFile(jar), "bundle jar not built: " + jar);
        Properties packed = new Properties();
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(ModelProperties.PROPERTIES_PATH)) {
            packed.load(in);
        }

        Map<String, String> cfg = new HashMap<>();
        cfg.put(Constants.FRAMEWORK_STORAGE, System.getProperty("vigie.felix.cache", "target/felix-cache"));
        cfg.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        Framework fw = ServiceLoader.load(FrameworkFactory.class).iterator().next().newFramework(cfg);
        fw.start();
        try {
            BundleContext ctx = fw.getBundleContext();
            List<Bundle> bundles = new ArrayList<>();
            for (Class<?> c : new Class<?>[] { org.osgi.util.function.Function.class, org.osgi.util.promise.Promise.class,
                    org.osgi.service.component.ComponentConstants.class, org.apache.felix.scr.info.ScrInfo.class,
                    ModelIdentity.class })
                bundles.add(ctx.installBundle(location(c)));
            Bundle model = ctx.installBundle(jar.toUri().toString());
            bundles.add(model);
            assertNull(model.getHeaders().get(Constants.EXPORT_PACKAGE), "model bundles must export nothing");

            ServiceTracker<Object, Object> tracker = new ServiceTracker<>(ctx,
                    ctx.createFilter("(objectClass=" + DetectionModel.class.getName() + ")"), null);
            // all services: the test class path has its own copy of the API, not the framework's
            tracker.open(true);
            for (Bundle b : bundles)
                b.start();
            Object service = tracker.waitForService(TimeUnit.SECONDS.toMillis(20));
            assertNotNull(service, () -> "no DetectionModel service registered; bundle states " + states(bundles));
            ServiceReference<Object>[] refs = tracker.getServiceReferences();
            assertEquals(1, refs.length);
            ServiceReference<Object> ref = refs[0];
            assertEquals(model, ref.getBundle());
            assertEquals(packed.getProperty("name"), ref.getProperty(DetectionModel.PROP_NAME));
            assertEquals(packed.getProperty("precision"), ref.getProperty(DetectionModel.PROP_PRECISION));
            assertEquals(packed.getProperty("version"), ref.getProperty(DetectionModel.PROP_VERSION));
            assertEquals(packed.getProperty("sha256"), ref.getProperty(DetectionModel.PROP_SHA256));
            assertEquals(Integer.valueOf(packed.getProperty("size")), ref.getProperty(ModelRegistration.PROP_SIZE),
                    "the dashboard's size");

            // the service's classes live in the framework: call it reflectively
            byte[] bytes = (byte[]) service.getClass().getMethod("loadBytes").invoke(service);
            try (InputStream in = getClass().getClassLoader().getResourceAsStream(ModelProperties.MODEL_PATH)) {
                assertArrayEquals(in.readAllBytes(), bytes);
            }

            model.stop();
            assertNull(tracker.getServiceReferences(), "service must go away with the bundle");
            tracker.close();
        } finally {
            fw.stop();
            fw.waitForStop(10_000);
        }
    }

    private static String states(List<Bundle> bundles) {
        StringBuilder sb = new StringBuilder();
        for (Bundle b : bundles)
            sb.append(b.getSymbolicName()).append('=').append(b.getState()).append(' ');
        return sb.toString();
    }

    private static String location(Class<?> c) throws URISyntaxException {
        Path p = Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
        assertTrue(Files.isRegularFile(p), c.getName() + " is not in a jar: " + p + " (run after package)");
        return p.toUri().toString();
    }
}
