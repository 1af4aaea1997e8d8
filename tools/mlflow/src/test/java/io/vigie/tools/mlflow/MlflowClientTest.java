package io.vigie.tools.mlflow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.sun.net.httpserver.HttpServer;

/** What the client does without an MLflow server: URIs it refuses, nothing listening, something that is not MLflow. */
class MlflowClientTest {

    @ParameterizedTest
    @ValueSource(strings = { "", "   ", "garbage", "ftp://127.0.0.1:5000", "file:///tmp/mlruns", "sqlite:///mlflow.db",
        "databricks", "http://", "http:///api", "http://127.0.0.1:99999", "http://127.0.0.1:5000/?x=1",
        "http://user:pw@127.0.0.1:5000", "http://[::1", "http://127.0.0.1:5000/#frag", "\u0000\u0001" })
    void refusesUrisThatAreNotAnMlflowServer(String uri) {
        MlflowException e = assertThrows(MlflowException.class, () -> new MlflowClient(uri));
        assertEquals(MlflowException.Kind.BAD_URI, e.kind(), e.getMessage());
        assertFalse(e.getMessage().contains("\u0000"), "control characters are not echoed");
    }

    @Test
    void normalizesTheUri() throws Exception {
        assertEquals("http://127.0.0.1:5000", new MlflowClient("HTTP://127.0.0.1:5000/").trackingUri().toString());
        assertEquals("https://mlflow.example:443/prefix", new MlflowClient(" https://mlflow.example:443/prefix// ")
                .trackingUri().toString());
    }

    @Test
    void nothingListeningIsUnreachableConnectionRefused() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        MlflowClient c = new MlflowClient("http://127.0.0.1:" + port);
        MlflowException e = assertThrows(MlflowException.class, () -> c.experimentId("x"));
        assertEquals(MlflowException.Kind.UNREACHABLE, e.kind());
        assertTrue(e.getMessage().contains("connection refused"), e.getMessage());
    }

    @Test
    void unknownHostIsUnreachable() throws Exception {
        MlflowClient c = new MlflowClient("http://no-such-host.invalid:5000", Duration.ofSeconds(3), Duration.ofSeconds(5));
        MlflowException e = assertThrows(MlflowException.class, () -> c.experimentId("x"));
        assertEquals(MlflowException.Kind.UNREACHABLE, e.kind(), e.getMessage());
    }

    /** The wrong host/port: an HTTP server that is not MLflow (HTML pages, 404 without error_code, a 200 that is not JSON). */
    @Test
    void anHttpServerThatIsNotMlflowIsSaidSo() throws Exception {
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        s.createContext("/api/2.0/mlflow/experiments/get-by-name", x -> {
            byte[] b = "<html>hello</html>".getBytes(StandardCharsets.UTF_8);
            x.sendResponseHeaders(200, b.length);
            x.getResponseBody().write(b);
            x.close();
        });
        s.createContext("/", x -> {
            x.sendResponseHeaders(404, -1);
            x.close();
        });
        s.start();
        try {
            MlflowClient c = new MlflowClient("http://127.0.0.1:" + s.getAddress().getPort());
            MlflowException e = assertThrows(MlflowException.class, () -> c.experimentId("x"));
            assertEquals(MlflowException.Kind.NOT_MLFLOW, e.kind());
            assertTrue(e.getMessage().contains("not JSON"), e.getMessage());
            MlflowException e404 = assertThrows(MlflowException.class, () -> c.getRun("abc"));
            assertEquals(MlflowException.Kind.NOT_MLFLOW, e404.kind());
            assertEquals(404, e404.httpStatus());
            assertNull(e404.errorCode());
        } finally {
            s.stop(0);
        }
    }

    /** Something that accepts the connection and never answers: a timeout, reported as unreachable. */
    @Test
    void aServerThatNeverAnswersTimesOut() throws Exception {
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        s.createContext("/", x -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            x.close();
        });
        s.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        s.start();
        try {
            MlflowClient c = new MlflowClient("http://127.0.0.1:" + s.getAddress().getPort(), Duration.ofSeconds(2),
                    Duration.ofMillis(500));
            MlflowException e = assertThrows(MlflowException.class, () -> c.experimentId("x"));
            assertEquals(MlflowException.Kind.UNREACHABLE, e.kind());
            assertTrue(e.getMessage().contains("no answer in time"), e.getMessage());
        } finally {
            release.countDown();
            s.stop(0);
        }
    }

    /** A server without --serve-artifacts gives runs an artifact location on its own disk: said, not attempted. */
    @Test
    void artifactsOutsideTheProxyAreRefusedClearly() throws Exception {
        MlflowClient c = new MlflowClient("http://127.0.0.1:9");
        MlflowClient.Run run = new MlflowClient.Run("r1", "0", "/srv/mlruns/0/r1/artifacts");
        MlflowException e = assertThrows(MlflowException.class,
                () -> c.logArtifact(run, "a.json", java.nio.file.Path.of("pom.xml")));
        assertEquals(MlflowException.Kind.NO_ARTIFACT_PROXY, e.kind());
        assertTrue(e.getMessage().contains("--serve-artifacts"), e.getMessage());
    }

    /** The tools' rule: MLflow down, the command goes on and says the run was not logged. */
    @Test
    void runLoggerAgainstNothingSaysNotLoggedAndNeverThrows() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
        try (RunLogger run = RunLogger.start("http://127.0.0.1:" + port, "e", "r", out)) {
            run.params(Map.of("a", 1)).metrics(Map.of("m", 1.0)).artifact(java.nio.file.Path.of("pom.xml"), "");
            assertFalse(run.active());
            run.succeeded();
        }
        String said = buf.toString(StandardCharsets.UTF_8);
        assertTrue(said.contains("connection refused") && said.contains("run NOT logged"), said);
        assertEquals(2, said.split("goes on without MLflow", -1).length, "the failure is reported once: " + said);
    }

    @Test
    void runLoggerWithABadUriSaysNotLogged() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (RunLogger run = RunLogger.start("ftp://x", "e", "r", new PrintStream(buf, true, StandardCharsets.UTF_8))) {
            assertFalse(run.active());
            assertNull(run.client());
        }
        assertTrue(buf.toString(StandardCharsets.UTF_8).contains("run NOT logged"), buf.toString(StandardCharsets.UTF_8));
    }

    @Test
    void environmentParamsNameWhereTheToolRan() {
        Map<String, String> env = RunLogger.environment();
        assertTrue(env.get("jvm").contains(System.getProperty("java.runtime.version")), env.toString());
        assertTrue(env.get("git.commit").matches("[0-9a-f]{40}(\\+dirty)?|unknown"), env.get("git.commit"));
        assertTrue(env.get("cpu.quota").matches("max|unknown|[0-9.]+"), env.get("cpu.quota"));
    }
}
