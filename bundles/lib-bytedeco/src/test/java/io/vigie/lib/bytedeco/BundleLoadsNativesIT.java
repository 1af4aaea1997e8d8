package io.vigie.lib.bytedeco;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.lang.reflect.Method;
import java.util.HashMap;
import java.util.Map;
import java.util.ServiceLoader;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.launch.FrameworkFactory;

/**
 * Boots a real Felix, installs the jar this module just packaged and loads the TFLite, OpenCV
 * and FFmpeg natives through the bundle's own class loader (runs after {@code package}, failsafe).
 */
class BundleLoadsNativesIT {
    private static Framework framework;
    private static Bundle bundle;

    @BeforeAll
    static void boot() throws Exception {
        File jar = new File(System.getProperty("vigie.bundle.jar", "target/io.vigie.lib.bytedeco-0.1.0-SNAPSHOT.jar"));
        assertTrue(jar.isFile(), "bundle jar not built: " + jar);
        Map<String, String> cfg = new HashMap<>();
        cfg.put(Constants.FRAMEWORK_STORAGE, System.getProperty("vigie.felix.cache", "target/felix-cache"));
        cfg.put(Constants.FRAMEWORK_STORAGE_CLEAN, Constants.FRAMEWORK_STORAGE_CLEAN_ONFIRSTINIT);
        FrameworkFactory factory = ServiceLoader.load(FrameworkFactory.class).iterator().next();
        framework = factory.newFramework(cfg);
        framework.start();
        bundle = framework.getBundleContext().installBundle(jar.toURI().toString());
        bundle.start(); // throws if it does not resolve (imports, osgi.native arch)
    }

    @AfterAll
    static void shutdown() throws Exception {
        if (framework != null) {
            framework.stop();
            framework.waitForStop(10_000);
        }
    }

    @Test
    void bundleIsActive() {
        assertEquals(Bundle.ACTIVE, bundle.getState());
    }

    @Test
    void tensorflowLiteNativesLoadInsideOsgi() throws Exception {
        Class<?> tfl = load("org.bytedeco.tensorflowlite.global.tensorflowlite");
        loadNatives(tfl);
        Method v = tfl.getMethod("TfLiteVersion");
        Object ptr = v.invoke(null);
        String s = (String) ptr.getClass().getMethod("getString").invoke(ptr);
        assertEquals(upstream("vigie.tflite.version"), s, "TfLiteVersion");
    }

    @Test
    void opencvNativesLoadInsideOsgi() throws Exception {
        Class<?> core = load("org.bytedeco.opencv.global.opencv_core");
        loadNatives(core);
        Object ptr = core.getMethod("getVersionString").invoke(null);
        String s = ptr instanceof String ? (String) ptr : (String) ptr.getClass().getMethod("getString").invoke(ptr);
        assertEquals(upstream("vigie.opencv.version"), s.trim(), "OpenCV version");
    }

    @Test
    void ffmpegNativesLoadInsideOsgi() throws Exception {
        Class<?> avutil = load("org.bytedeco.ffmpeg.global.avutil");
        loadNatives(avutil);
        Object ptr = avutil.getMethod("av_version_info").invoke(null);
        String s = (String) ptr.getClass().getMethod("getString").invoke(ptr);
        assertTrue(s.startsWith(upstream("vigie.ffmpeg.version")), "FFmpeg version " + s);
    }

    /** The upstream version of a bytedeco artifact the build embedded: "2.21.0-1.5.14" -> "2.21.0". */
    private static String upstream(String property) {
        String v = System.getProperty(property);
        assertNotNull(v, property + " (set by the pom)");
        return v.substring(0, v.lastIndexOf('-'));
    }

    private static Class<?> load(String name) throws ClassNotFoundException {
        Class<?> c = bundle.loadClass(name);
        // the class must come from the bundle, not from the test class path
        assertNotSame(BundleLoadsNativesIT.class.getClassLoader(), c.getClassLoader(), name);
        return c;
    }

    private static String loadNatives(Class<?> preset) throws Exception {
        Class<?> loader = bundle.loadClass("org.bytedeco.javacpp.Loader");
        String path = (String) loader.getMethod("load", Class.class).invoke(null, preset);
        assertNotNull(path, "Loader.load(" + preset.getName() + ")");
        return path;
    }
}
