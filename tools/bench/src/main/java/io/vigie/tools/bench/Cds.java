package io.vigie.tools.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The gateway's class-data sharing archive, built beside the jar by the build (features/gateway/cds-train.sh).
 * The bench starts the gateway with it as ./vigie does; {@code --jvm "... -Xshare:off"} measures without it.
 */
public final class Cds {
    private Cds() {
    }

    /** vigie-gateway.jar -> vigie-gateway.jsa in the same folder. */
    public static Path archiveOf(Path gatewayJar) {
        String name = gatewayJar.getFileName().toString().replaceFirst("\\.jar$", "");
        return gatewayJar.toAbsolutePath().resolveSibling(name + ".jsa");
    }

    /** The JVM option that uses the archive, or nothing when the build made none. */
    public static List<String> jvmOptions(Path gatewayJar) {
        Path jsa = archiveOf(gatewayJar);
        return Files.isRegularFile(jsa) ? List.of("-XX:SharedArchiveFile=" + jsa) : List.of();
    }
}
