package io.vigie.testkit;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Test kit (never shipped): a real Mosquitto (Debian's /usr/sbin/mosquitto) on a free loopback port, for tests.
 * Persistence is on (in the test's folder) so a persistent subscriber session and its queued QoS 1 messages survive a
 * broker restart: the outage test stops and restarts the broker and must not depend on which client reconnects first.
 */
public final class Mosquitto implements AutoCloseable {
    public static final String BINARY = "/usr/sbin/mosquitto";

    public final int port;
    private final Path dir;
    private Process process;

    public Mosquitto(Path dir) throws IOException {
        this.dir = dir;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Files.writeString(dir.resolve("mosquitto.conf"), "listener " + port + " 127.0.0.1\n" + "allow_anonymous true\n"
                + "persistence true\n" + "persistence_location " + dir + "/\n" + "user root\n");
    }

    public String uri() {
        return "tcp://127.0.0.1:" + port;
    }

    /** @throws IllegalStateException with the install hint when Debian's mosquitto is missing: tests fail, never skip */
    public void start() throws Exception {
        if (!Files.isExecutable(Path.of(BINARY)))
            throw new IllegalStateException(BINARY + " is not installed (scripts/install-deps.sh installs Debian's mosquitto)");
        process = new ProcessBuilder(BINARY, "-c", dir.resolve("mosquitto.conf").toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("log").toFile()))
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException notYet) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("mosquitto exited: " + Files.readString(dir.resolve("log")));
                }
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("mosquitto did not listen on " + port + " within 10 s");
    }

    /** The broker's process id (-1: not running), for its CPU/RSS. */
    public long pid() {
        return process == null ? -1 : process.pid();
    }

    /** SIGTERM: mosquitto saves its persistence file and exits. */
    public void stop() throws InterruptedException {
        if (process != null) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
            process = null;
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
