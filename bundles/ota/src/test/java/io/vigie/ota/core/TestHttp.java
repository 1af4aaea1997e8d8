package io.vigie.ota.core;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A local HTTP server for download tests: files by path, redirects, Range support, and ways to misbehave (public:
 * the OSGi glue's tests use it too).
 */
public final class TestHttp implements AutoCloseable {
    final HttpServer server;
    public final Map<String, byte[]> files = new ConcurrentHashMap<>();
    /** Path -> Location answered with a 302. */
    public final Map<String, String> redirects = new ConcurrentHashMap<>();
    /** Range headers received, in order ("" when none). */
    final List<String> ranges = new CopyOnWriteArrayList<>();
    volatile boolean honourRanges = true;
    /** When >= 0: the next response stops (connection closed) after this many body bytes. */
    volatile int dropAfter = -1;
    /** Pause between 4 KiB chunks of a body. */
    volatile long chunkDelayMs;
    /** Pause before the response headers. */
    volatile long stallMs;
    /** Chunked responses: no Content-Length announced. */
    volatile boolean chunked;

    public TestHttp() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "test-http");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", this::handle);
        server.start();
    }

    public String url(String path) {
        return "http://127.0.0.1:" + port() + path;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange x) throws IOException {
        try (x) {
            String range = x.getRequestHeaders().getFirst("Range");
            ranges.add(range == null ? "" : range);
            if (stallMs > 0) sleep(stallMs);
            String to = redirects.get(x.getRequestURI().getPath());
            if (to != null) {
                x.getResponseHeaders().add("Location", to);
                x.sendResponseHeaders(302, -1);
                return;
            }
            byte[] f = files.get(x.getRequestURI().getPath());
            if (f == null) {
                x.sendResponseHeaders(404, -1);
                return;
            }
            int from = 0;
            if (range != null && honourRanges && range.startsWith("bytes=")) {
                from = Integer.parseInt(range.substring(6, range.indexOf('-')));
                if (from >= f.length) {
                    x.getResponseHeaders().add("Content-Range", "bytes */" + f.length);
                    x.sendResponseHeaders(416, -1);
                    return;
                }
                x.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (f.length - 1) + "/" + f.length);
                x.sendResponseHeaders(206, f.length - from);
            } else {
                x.sendResponseHeaders(200, chunked ? 0 : f.length);
            }
            int drop = dropAfter;
            dropAfter = -1;
            int end = drop >= 0 ? Math.min(f.length, from + drop) : f.length;
            OutputStream out = x.getResponseBody();
            for (int i = from; i < end; i += 4096) {
                out.write(f, i, Math.min(4096, end - i));
                out.flush();
                if (chunkDelayMs > 0) sleep(chunkDelayMs);
            }
            // with dropAfter: the exchange closes here (try-with-resources), short of the announced length
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
