package io.vigie.tools.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one viewer the peer comparison keeps connected to each side's MJPEG stream (Vigie's /vigie/stream.mjpg,
 * the peer's /stream): reads and discards the parts, counting them, so both pay for annotating and encoding.
 */
public final class MjpegClient implements AutoCloseable {
    private static final Pattern BOUNDARY = Pattern.compile("boundary=\"?([^\";]+)\"?");
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final AtomicLong parts = new AtomicLong(), bytes = new AtomicLong();
    private final Thread thread;
    private volatile InputStream body;
    private volatile boolean closed;
    private volatile String error;
    private final long openedNanos = System.nanoTime();
    private volatile long closedNanos;

    private MjpegClient(HttpRequest request) {
        thread = new Thread(() -> read(request), "bench-mjpeg");
        thread.setDaemon(true);
    }

    /** Connects in the background and keeps reading until {@link #close()}. */
    public static MjpegClient open(HttpRequest.Builder request) {
        MjpegClient c = new MjpegClient(request.GET().build());
        c.thread.start();
        return c;
    }

    public long parts() {
        return parts.get();
    }

    public long bytes() {
        return bytes.get();
    }

    /** Parts per second from {@link #open} to {@link #close()} (to now while open). */
    public double partsPerSecond() {
        long end = closedNanos == 0 ? System.nanoTime() : closedNanos;
        return parts.get() / Math.max(1e-9, (end - openedNanos) / 1e9);
    }

    /** Why the stream failed or ended early, or null. */
    public String error() {
        return error;
    }

    private void read(HttpRequest request) {
        try {
            HttpResponse<InputStream> r = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
            body = r.body();
            if (r.statusCode() != 200) {
                error = "stream answered HTTP " + r.statusCode();
                return;
            }
            String boundary = boundary(r.headers().firstValue("Content-Type").orElse(""));
            if (boundary == null) {
                error = "no multipart boundary in " + r.headers().firstValue("Content-Type").orElse("(no Content-Type)");
                return;
            }
            PartCounter counter = new PartCounter(boundary);
            byte[] buf = new byte[1 << 16];
            try (InputStream in = body) {
                for (int n; !closed && (n = in.read(buf)) > 0;) {
                    bytes.addAndGet(n);
                    parts.addAndGet(counter.feed(buf, n));
                }
            }
            if (!closed) error = "stream ended";
        } catch (IOException e) {
            if (!closed) error = "stream: " + e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The multipart boundary of a Content-Type header value, or null. */
    static String boundary(String contentType) {
        Matcher m = BOUNDARY.matcher(contentType);
        return m.find() ? m.group(1) : null;
    }

    @Override
    public void close() {
        if (closed) return;
        closedNanos = System.nanoTime();
        closed = true;
        InputStream b = body;
        if (b != null) {
            try {
                b.close();
            } catch (IOException e) {
                // closing is all we want
            }
        }
        thread.interrupt();
    }

    /** Counts "--boundary" delimiters in a byte stream fed in chunks (a delimiter may straddle two chunks): KMP. */
    static final class PartCounter {
        private final byte[] marker;
        private final int[] fail;
        private int matched;

        PartCounter(String boundary) {
            marker = ("--" + boundary).getBytes(StandardCharsets.US_ASCII);
            fail = new int[marker.length];
            for (int i = 1, k = 0; i < marker.length; i++) {
                while (k > 0 && marker[i] != marker[k]) k = fail[k - 1];
                if (marker[i] == marker[k]) k++;
                fail[i] = k;
            }
        }

        int feed(byte[] buf, int len) {
            int found = 0;
            for (int i = 0; i < len; i++) {
                while (matched > 0 && buf[i] != marker[matched]) matched = fail[matched - 1];
                if (buf[i] == marker[matched]) matched++;
                if (matched == marker.length) {
                    found++;
                    matched = fail[matched - 1];
                }
            }
            return found;
        }
    }
}
