package io.vigie.inference.osgi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;

import io.vigie.inference.core.CoralModel;

/**
 * The built bundle in a real Felix with SCR, the api bundle and the natives bundle: the
 * component registers InferenceEngine under its PID and runs the Coral model. The API types live
 * in the framework (not on this test's class path view), so the service is driven by reflection.
 */
class EngineInFelixIT {
    @Test
    void componentRegistersEngineThatRunsTheModel() throws Exception {
        byte[] model = CoralModel.bytes();
        String target = System.getProperty("vigie.target", "target");
        Map<String, String> cfg = new HashMap<>();
        cfg.put(Constants.FRAMEWORK_STORAGE, target + "/felix-cache");
        cfg.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        Framework fw = ServiceLoader.load(FrameworkFactory.class).iterator().next().newFramework(cfg);
        fw.start();
        try {
            BundleContext ctx = fw.getBundleContext();
            List<Bundle> bundles = new ArrayList<>();
            File itBundles = new File(System.getProperty("vigie.it.bundles", target + "/it-bundles"));
            File[] jars = itBundles.listFiles((d, n) -> n.endsWith(".jar"));
            assertNotNull(jars);
            Arrays.sort(jars);
            for (File f : jars) bundles.add(ctx.installBundle(f.toURI().toString()));
            Bundle inference = ctx.installBundle(new File(System.getProperty("vigie.bundle.jar")).toURI().toString());
            bundles.add(inference);
            // fragments (slf4j-simple) cannot be started
            for (Bundle b : bundles) if (b.getHeaders().get(Constants.FRAGMENT_HOST) == null) b.start();
            assertEquals(Bundle.ACTIVE, inference.getState());

            ServiceReference<?> ref = null;
            for (int i = 0; i < 100 && ref == null; i++) {
                // getAll: the API is also on this test's class path, so the class-space check would hide it
                ServiceReference<?>[] refs = ctx.getAllServiceReferences("io.vigie.api.inference.InferenceEngine", null);
                ref = refs == null ? null : refs[0];
                if (ref == null) Thread.sleep(50);
            }
            assertNotNull(ref, "InferenceEngine service not registered");
            assertEquals("io.vigie.inference.tflite", ref.getProperty("component.name"));
            Object engine = ctx.getService(ref);

            // build API objects with the framework's api classes
            Bundle api = findBundle(ctx, "io.vigie.api");
            ClassLoader apiCl = api.adapt(org.osgi.framework.wiring.BundleWiring.class).getClassLoader();
            Class<?> precision = apiCl.loadClass("io.vigie.api.model.Precision");
            Class<?> identityC = apiCl.loadClass("io.vigie.api.model.ModelIdentity");
            Class<?> specC = apiCl.loadClass("io.vigie.api.model.ModelSpec");
            Class<?> optionsC = apiCl.loadClass("io.vigie.api.inference.EngineOptions");
            Class<?> viewC = apiCl.loadClass("io.vigie.api.video.ImageView");
            Object int8 = precision.getField("INT8").get(null);
            Object id = identityC.getConstructors()[0].newInstance("coral", int8, "it", "7046f31a");
            Object spec = specC.getMethod("postprocessOp", List.class, int.class, float.class, float.class)
                    .invoke(null, List.of("person"), 0, 128f, 128f);
            Object opts = optionsC.getMethod("defaults").invoke(null);
            Method load = engine.getClass().getMethod("load", identityC, byte[].class, specC, optionsC);
            Object det = load.invoke(engine, id, model, spec, opts);
            try {
                assertEquals(300, det.getClass().getMethod("inputWidth").invoke(det));
                ByteBuffer gray = ByteBuffer.allocateDirect(640 * 480 * 3);
                Object view = viewC.getConstructors()[0].newInstance(640, 480, 640 * 3, gray);
                Object result = det.getClass().getMethod("detect", viewC, float.class).invoke(det, view, 0.5f);
                Object inferMs = result.getClass().getMethod("inferenceMillis").invoke(result);
                assertTrue((Double) inferMs > 0, "invoke ran inside OSGi");
            } finally {
                det.getClass().getMethod("close").invoke(det);
            }
        } finally {
            fw.stop();
            fw.waitForStop(10_000);
        }
    }

    private static Bundle findBundle(BundleContext ctx, String bsn) {
        for (Bundle b : ctx.getBundles()) if (bsn.equals(b.getSymbolicName())) return b;
        throw new AssertionError("bundle " + bsn + " not installed");
    }
}
