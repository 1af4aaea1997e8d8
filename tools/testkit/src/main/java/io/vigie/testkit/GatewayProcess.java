package io.vigie.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Test kit (never shipped): the real gateway started the way users do ({@code ./vigie run --config --data --port}),
 * with ConfigAdmin files written in the typed format fileinstall reads. Shared by the ITs (features/it Gateway) and
 * {@code ./vigie fleet-sim}.
 */
public final class GatewayProcess {
    private GatewayProcess() {
    }

    /**
     * Writes {@code conf/<pid>.config} atomically: strings quoted, String[] as {@code ["a","b"]}; the temp file is made
     * in {@code tmpDir} (not conf: fileinstall would read it).
     */
    public static void writeConfig(Path conf, Path tmpDir, String pid, Map<String, Object> props) throws IOException {
        StringBuilder sb = new StringBuilder();
        props.forEach((k, v) -> {
            sb.append(k).append('=');
            if (v instanceof String[] arr) {
                sb.append('[');
                for (int i = 0; i < arr.length; i++) sb.append(i > 0 ? "," : "").append(quote(arr[i]));
                sb.append(']');
            } else {
                sb.append(quote(String.valueOf(v)));
            }
            sb.append('\n');
        });
        Path tmp = tmpDir.resolve(pid + ".config.tmp");
        Files.writeString(tmp, sb.toString());
        Files.move(tmp, conf.resolve(pid + ".config"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static String quote(String v) {
        return '"' + v.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    /** Starts {@code ROOT/vigie run} (never building: VIGIE_NO_BUILD=1), output to {@code log}. */
    public static Process start(Path root, Path conf, Path data, int port, Path workDir, Path log, String java)
            throws IOException {
        Path launcher = root.resolve("vigie");
        if (!Files.isRegularFile(launcher)) throw new IllegalStateException("launcher not found: " + launcher);
        ProcessBuilder pb = new ProcessBuilder(List.of("bash", launcher.toString(), "run", "--config", conf.toString(),
                "--data", data.toString(), "--port", Integer.toString(port))).directory(workDir.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("VIGIE_NO_BUILD", "1");
        if (java != null) pb.environment().put("JAVA", java);
        return pb.start();
    }

    /** SIGTERM (the launcher execs java: the JVM's own shutdown), then SIGKILL after {@code graceSeconds}. */
    public static void stop(Process p, int graceSeconds) throws InterruptedException {
        if (p == null) return;
        p.destroy();
        if (!p.waitFor(graceSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
