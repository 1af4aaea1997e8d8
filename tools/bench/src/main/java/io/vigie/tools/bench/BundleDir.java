package io.vigie.tools.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's embedded bundles unpacked beside the jar by the build (features/gateway/bundle-dir.sh, whose
 * {@code --options} mode ./vigie uses): the bench starts the gateway with them as ./vigie does. Same rule as there:
 * the folder is used only when its first line is the jar's "size mtime" and every listed bundle is present.
 */
public final class BundleDir {
    private BundleDir() {
    }

    /** vigie-gateway.jar -> vigie-gateway.bundles/ in the same folder. */
    public static Path of(Path gatewayJar) {
        String name = gatewayJar.getFileName().toString().replaceFirst("\\.jar$", "");
        return gatewayJar.toAbsolutePath().resolveSibling(name + ".bundles");
    }

    /** The launcher options that install the unpacked bundles by reference, or nothing (embedded install). */
    public static List<String> jvmOptions(Path gatewayJar) {
        Path dir = of(gatewayJar);
        try {
            List<String> lines = Files.readAllLines(dir.resolve("launch.bundles"), StandardCharsets.UTF_8);
            String stamp = Files.size(gatewayJar) + " " + Files.getLastModifiedTime(gatewayJar).to(TimeUnit.SECONDS);
            if (lines.size() < 2 || !lines.get(0).equals(stamp)) return List.of();
            List<String> paths = new ArrayList<>();
            for (String n : lines.subList(1, lines.size())) {
                if (!n.matches("[A-Za-z0-9._-]+\\.jar") || !Files.isRegularFile(dir.resolve(n))) return List.of();
                paths.add(dir.resolve(n).toString());
            }
            return List.of("-Dlaunch.embedded=false", "-Dlaunch.bundles=" + String.join(",", paths));
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }
}
