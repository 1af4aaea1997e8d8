package io.vigie.tools.fleet;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * Serves the packages the tool keeps (dps/SHA256.dp) over HTTP to the gateways: GET /dp/SHA256.dp only, nothing else.
 * The gateways check the sha256 and the signature the request carries, so plain HTTP carries no trust.
 */
public final class DpServer implements AutoCloseable {
    private final HttpServer server;
    private final Path dir;
    private final String advertised;
    public final AtomicLong served = new AtomicLong();

    /** @param advertisedHost the host name the gateways reach this machine by */
    public DpServer(Path dir, String bind, int port, String advertisedHost) throws IOException {
        this.dir = dir;
        server = HttpServer.create(new InetSocketAddress(bind, port), 64);
        server.createContext("/dp/", this::handle);
        server.setExecutor(Executors.newFixedThreadPool(8, r -> {
            Thread t = new Thread(r, "vigie-fleet-http");
            t.setDaemon(true);
            return t;
        }));
        server.start();
        advertised = "http://" + advertisedHost + ":" + server.getAddress().getPort();
    }

    public URI uri(Artifact a) {
        return URI.create(advertised + "/dp/" + a.sha256() + ".dp");
    }

    private void handle(HttpExchange x) throws IOException {
        try (x) {
            String p = x.getRequestURI().getPath();
            String sha = p.startsWith("/dp/") && p.endsWith(".dp") ? p.substring(4, p.length() - 3) : "";
            Path f = dir.resolve(sha + ".dp");
            if (!"GET".equals(x.getRequestMethod()) || !sha.matches("[0-9a-f]{64}") || !Files.isRegularFile(f)) {
                x.sendResponseHeaders(404, -1);
                return;
            }
            x.getResponseHeaders().set("Content-Type", "application/octet-stream");
            x.sendResponseHeaders(200, Files.size(f));
            try (OutputStream o = x.getResponseBody()) {
                Files.copy(f, o);
            }
            served.incrementAndGet();
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
