package io.vigie.ota.core;

import java.util.List;

/**
 * What a deployment package declares: name, version, Vigie headers and its bundles in manifest
 * order. {@code nativeProcessors} lists the osgi.native processors its bundles require.
 */
public record DpInfo(String name, String version, String kind, String arch, List<BundleRef> bundles,
        List<String> nativeProcessors) {

    public record BundleRef(String entry, String symbolicName, String version) {
    }

    public boolean isCore() {
        return "core".equals(kind);
    }
}
