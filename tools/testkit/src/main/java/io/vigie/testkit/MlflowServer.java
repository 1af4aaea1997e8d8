package io.vigie.testkit;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Test kit (never shipped): a real {@code mlflow server} (tools/mlflow-server/run.sh: mlflow 3.17.2 from the project's
 * hash-pinned venv, sqlite backend and artifacts in a test folder, artifact proxy on) on a free loopback port. The venv
 * is made on first use (tools/mlflow-server/setup.sh, minutes; then reused). Stopping ends the whole process tree (the
 * mlflow CLI runs the web server as a child process).
 */
public final class MlflowServer implements AutoCloseable {
    public final int port;
    private final Path dir;
    private Process process;
    private long startMillis;

    public MlflowServer(Path dir) throws IOException {
        this.dir = dir;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
    }

    public String uri() {
        return "http://127.0.0.1:" + port;
    }

    /** The checkout's root: the nearest folder above the working directory that holds tools/mlflow-server/run.sh. */
    public static Path repoRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("tools/mlflow-server/run.sh"))) return p;
        }
        throw new IllegalStateException("tools/mlflow-server/run.sh not found above " + Path.of("").toAbsolutePath());
    }

    /** Makes the venv when missing (tools/mlflow-server/setup.sh); fails, never skips, when it cannot. */
    public static void ensureVenv(Path log) throws Exception {
        Process p = new ProcessBuilder("bash", repoRoot().resolve("tools/mlflow-server/setup.sh").toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        if (!p.waitFor(20, TimeUnit.MINUTES) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException("tools/mlflow-server/setup.sh failed (PyPI reachable? python3.11?): "
                    + Files.readString(log));
        }
    }

    /** Starts the server and waits until it answers /health. */
    public void start() throws Exception {
        Path log = dir.resolve("mlflow-server.log");
        ensureVenv(log);
        long t0 = System.nanoTime();
        process = new ProcessBuilder("bash", repoRoot().resolve("tools/mlflow-server/run.sh").toString(), "--port",
                Integer.toString(port), "--dir", dir.resolve("data").toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            if (healthy()) {
                startMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                return;
            }
            if (!process.isAlive()) throw new IllegalStateException("mlflow server exited: " + Files.readString(log));
            Thread.sleep(100);
        }
        stop();
        throw new IllegalStateException("mlflow server did not answer on " + port + " within 120 s: " + Files.readString(log));
    }

    /** How long {@link #start()} took (process start to the first healthy answer), for the logs. */
    public long startMillis() {
        return startMillis;
    }

    private boolean healthy() {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create(uri() + "/health").toURL().openConnection();
            c.setConnectTimeout(500);
            c.setReadTimeout(2000);
            try {
                return c.getResponseCode() == 200;
            } finally {
                c.disconnect();
            }
        } catch (IOException notYet) {
            return false;
        }
    }

    /** Ends the server and its children (SIGTERM, then SIGKILL after 10 s); the data folder stays. */
    public void stop() throws InterruptedException {
        if (process == null) return;
        List<ProcessHandle> tree = process.descendants().collect(Collectors.toList());
        process.destroy();
        tree.forEach(ProcessHandle::destroy);
        for (ProcessHandle h : tree) {
            try {
                h.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception stillAlive) {
                h.destroyForcibly();
            }
        }
        if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        process = null;
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
