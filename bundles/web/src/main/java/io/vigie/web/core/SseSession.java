package io.vigie.web.core;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;

/** One SSE client's writer loop, run on the client's own (servlet) thread. */
public final class SseSession {
    /** A comment line this often lets us notice dead clients and keeps proxies from timing out. */
    static final long KEEPALIVE_MILLIS = 15_000;

    private SseSession() {
    }

    /**
     * Writes queued messages until the client disconnects (IOException), the hub closes or
     * {@code running} turns false.
     *
     * @return messages written (keepalives not counted)
     */
    public static long run(SseHub.Client client, OutputStream out, BooleanSupplier running, long keepaliveMillis)
            throws IOException, InterruptedException {
        out.write("retry: 3000\n\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
        long n = 0;
        while (running.getAsBoolean()) {
            String m = client.poll(keepaliveMillis);
            if (m == null) break;
            out.write((m.isEmpty() ? ": keepalive\n\n" : m).getBytes(StandardCharsets.UTF_8));
            out.flush();
            if (!m.isEmpty()) n++;
        }
        return n;
    }

    public static long run(SseHub.Client client, OutputStream out, BooleanSupplier running)
            throws IOException, InterruptedException {
        return run(client, out, running, KEEPALIVE_MILLIS);
    }
}
