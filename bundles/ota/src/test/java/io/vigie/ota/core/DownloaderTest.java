package io.vigie.ota.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.sun.net.httpserver.HttpServer;

class DownloaderTest {
    @TempDir
    Path tmp;
    HttpServer server;
    final CountDownLatch release = new CountDownLatch(1);
    final byte[] payload = new byte[10_000];

    @BeforeEach
    void start() throws Exception {
        for (int i = 0; i < payload.length; i++) payload[i] = (byte) i;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/ok.dp", x -> {
            x.sendResponseHeaders(200, payload.length);
            try (OutputStream o = x.getResponseBody()) {
                o.write(payload);
            }
        });
        server.createContext("/chunked.dp", x -> {
            x.sendResponseHeaders(200, 0); // no length announced: the cap applies while copying
            try (OutputStream o = x.getResponseBody()) {
                o.write(payload);
            }
        });
        server.createContext("/stalls.dp", x -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            x.sendResponseHeaders(200, -1);
            x.close();
        });
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.start();
    }

    @AfterEach
    void stop() {
        release.countDown();
        server.stop(0);
    }

    String url(String p) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + p;
    }

    @Test
    void downloadsHttpAndFile() throws Exception {
        Path out = tmp.resolve("a.dp");
        new Downloader(5_000, 1 << 20).download(url("/ok.dp"), out);
        assertArrayEquals(payload, Files.readAllBytes(out));
        Path out2 = tmp.resolve("b.dp");
        new Downloader(5_000, 1 << 20).download(out.toUri().toString(), out2);
        assertArrayEquals(payload, Files.readAllBytes(out2));
    }

    @Test
    void sizeCapDeclaredOrNot() {
        OtaException a = assertThrows(OtaException.class, () -> new Downloader(5_000, 1000).download(url("/ok.dp"), tmp.resolve("a")));
        assertTrue(a.getMessage().contains("too large"), a.getMessage());
        OtaException b = assertThrows(OtaException.class, () -> new Downloader(5_000, 1000).download(url("/chunked.dp"), tmp.resolve("b")));
        assertTrue(b.getMessage().contains("too large"), b.getMessage());
    }

    @Test
    void errorsAreBadRequests() {
        assertEquals(OtaException.Kind.BAD_REQUEST,
                assertThrows(OtaException.class, () -> new Downloader(5_000, 1000).download(url("/missing.dp"), tmp.resolve("a"))).kind);
        OtaException t = assertThrows(OtaException.class, () -> new Downloader(300, 1000).download(url("/stalls.dp"), tmp.resolve("b")));
        assertTrue(t.getMessage().contains("timed out"), t.getMessage());
        OtaException s = assertThrows(OtaException.class, () -> new Downloader(300, 1000).download("ftp://x/y.dp", tmp.resolve("c")));
        assertTrue(s.getMessage().contains("unsupported URL scheme"), s.getMessage());
        assertEquals(OtaException.Kind.BAD_REQUEST,
                assertThrows(OtaException.class, () -> new Downloader(300, 1000).download("file:" + tmp.resolve("nope.dp"), tmp.resolve("d"))).kind);
    }
}
