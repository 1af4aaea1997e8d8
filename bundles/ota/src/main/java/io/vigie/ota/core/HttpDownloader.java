package io.vigie.ota.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import io.vigie.ota.core.OtaException.Kind;

/**
 * The one package downloader ({@link HttpClient}), for the REST install and DEPLOY-V2 alike: into a
 * file, with a connect/response timeout and the same timeout on every pause of the body, a size cap,
 * an optional expected hash checked on the complete file, and for DEPLOY-V2 blocks of
 * {@code Blocks.size} bytes with an optional pause after each (Kura's {@code dp.download.block.size} /
 * {@code block.delay}, to spare a thin link), progress every {@code Blocks.notifySize} bytes (default:
 * every block, or a twentieth of the file when no block size is given), resuming a partial file with an
 * HTTP Range request, and cancellation between reads. Every failure is a {@link Kind#BAD_REQUEST}.
 * <p>
 * Remote URLs only: the {@link DownloadPolicy} (http and https, allow-list, no loopback / link-local hosts unless
 * allowed) is checked before the first request and again on every redirect, which this client follows itself
 * (at most {@value #MAX_REDIRECTS}, never from https to http). {@code file:} URLs are refused: local packages are
 * uploaded or seeded.
 */
public final class HttpDownloader {
    /** Progress callback: bytes on disk so far, total (-1 when the server does not say). */
    public interface Progress {
        void update(long done, long total);
    }

    /** Sizes in bytes (0 = default), delay in ms. */
    public record Blocks(int size, int delayMs, int notifySize) {
        public static final Blocks DEFAULT = new Blocks(0, 0, 0);
    }

    /**
     * How to fetch one file.
     *
     * @param resume    keep what the target already holds and ask for the rest with a Range request
     * @param expected  digest the complete file must have (null: not checked); on a mismatch the file is deleted
     * @param cancelled asked between reads
     */
    public record Transfer(boolean resume, Blocks blocks, HashSpec expected, BooleanSupplier cancelled, Progress progress) {
        /** The whole file, no resume, no hash, no progress. */
        public static final Transfer WHOLE = new Transfer(false, Blocks.DEFAULT, null, () -> false, (d, t) -> { });
    }

    /** @param resumedFrom bytes that were already on disk and kept (0 = from the start) */
    public record Result(long bytes, long resumedFrom) {
    }

    private static final int DEFAULT_BLOCK = 64 * 1024;
    /** Progress reports per file at most, whatever the notify interval asked (each one may become a message). */
    static final int MAX_REPORTS = 100;
    static final int MAX_REDIRECTS = 5;
    /** How often a stalled body read looks at the cancel flag. */
    private static final long CANCEL_POLL_MS = 200;

    private final int timeoutMs;
    private final long maxBytes;
    private final DownloadPolicy policy;
    private final HttpClient client;

    public HttpDownloader(int timeoutMs, long maxBytes, DownloadPolicy policy) {
        this.timeoutMs = timeoutMs;
        this.maxBytes = maxBytes;
        this.policy = policy;
        // HTTP/1.1 (no h2c upgrade attempt on plain http); redirects are followed below, each hop checked
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofMillis(timeoutMs)).build();
    }

    /** The whole file at {@code url} into {@code target} (replaced); the URL comes from a user and is checked here. */
    public long download(String url, Path target) throws OtaException, IOException {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new OtaException(Kind.BAD_REQUEST, "bad URL '" + url + "': " + e.getMessage());
        }
        try {
            return fetch(uri, target, Transfer.WHOLE).bytes();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OtaException(Kind.BAD_REQUEST, "download " + url + " interrupted");
        }
    }

    public Result fetch(URI uri, Path target, Transfer t) throws OtaException, IOException, InterruptedException {
        Result r = fetchHttp(uri, target, t);
        if (t.expected() != null) t.expected().verifyOrDelete(target); // never leave a file that looks complete
        return r;
    }

    private Result fetchHttp(URI first, Path target, Transfer t) throws OtaException, IOException, InterruptedException {
        long have = t.resume() && Files.isRegularFile(target) ? Files.size(target) : 0;
        URI uri = first;
        HttpResponse<Flow.Publisher<List<ByteBuffer>>> resp;
        for (int hop = 0;; hop++) {
            policy.check(uri);
            resp = send(uri, have);
            int code = resp.statusCode();
            if (code != 301 && code != 302 && code != 303 && code != 307 && code != 308) break;
            discard(resp);
            uri = redirect(uri, code, resp.headers().firstValue("Location").orElse(null), hop);
        }
        return read(uri, resp, target, have, t);
    }

    /** The next hop of a redirect (checked by the caller like the first URL). */
    private static URI redirect(URI from, int code, String location, int hop) throws OtaException {
        if (location == null)
            throw new OtaException(Kind.BAD_REQUEST, "download " + from + ": HTTP " + code + " without Location");
        if (hop == MAX_REDIRECTS)
            throw new OtaException(Kind.BAD_REQUEST, "download " + from + ": more than " + MAX_REDIRECTS + " redirects");
        URI next;
        try {
            next = from.resolve(new URI(location));
        } catch (URISyntaxException | IllegalArgumentException e) {
            throw new OtaException(Kind.BAD_REQUEST, "download " + from + ": bad redirect '" + location + "'");
        }
        if ("https".equalsIgnoreCase(from.getScheme()) && !"https".equalsIgnoreCase(next.getScheme()))
            throw new OtaException(Kind.BAD_REQUEST, "download " + from + ": redirect from https to " + next + " refused");
        return next;
    }

    private Result read(URI uri, HttpResponse<Flow.Publisher<List<ByteBuffer>>> resp, Path target, long have, Transfer t)
            throws OtaException, IOException, InterruptedException {
        Body body = new Body();
        resp.body().subscribe(body);
        try {
            int code = resp.statusCode();
            long total;
            boolean append;
            if (have > 0 && code == 206) {
                String range = resp.headers().firstValue("Content-Range").orElse(null); // bytes START-END/TOTAL
                if (range == null || !range.trim().startsWith("bytes " + have + "-"))
                    throw new OtaException(Kind.BAD_REQUEST, "server answered the resume with an unexpected range: " + range);
                String tt = range.substring(range.indexOf('/') + 1).trim();
                total = tt.equals("*") ? -1 : Long.parseLong(tt);
                append = true;
            } else if (code == 200) {
                total = resp.headers().firstValueAsLong("Content-Length").orElse(-1);
                append = false;
                have = 0; // the server ignores ranges: start over
            } else if (have > 0 && code == 416) {
                // nothing after what we have: the part is complete or stale; fetch it whole again
                body.cancel();
                Files.deleteIfExists(target);
                return fetchHttp(uri, target, new Transfer(false, t.blocks(), t.expected(), t.cancelled(), t.progress()));
            } else {
                throw new OtaException(Kind.BAD_REQUEST, "download " + uri + ": HTTP " + code);
            }
            capDeclared(total);
            return copy(() -> body.next(t.cancelled(), uri), uri, target, append, have, total, t);
        } finally {
            body.cancel(); // no-op once complete; frees the connection on any error
        }
    }

    /** The response to one GET (headers; the body is read by the caller). */
    private HttpResponse<Flow.Publisher<List<ByteBuffer>>> send(URI uri, long have) throws OtaException, IOException,
            InterruptedException {
        HttpRequest.Builder req;
        try {
            req = HttpRequest.newBuilder(uri).timeout(Duration.ofMillis(timeoutMs)).GET();
        } catch (IllegalArgumentException e) {
            throw new OtaException(Kind.BAD_REQUEST, "bad URL '" + uri + "': " + e.getMessage());
        }
        if (have > 0) req.header("Range", "bytes=" + have + "-");
        try {
            // the response comes with the headers; the body is read by the caller, with the timeout on every pause
            return client.send(req.build(), HttpResponse.BodyHandlers.ofPublisher());
        } catch (HttpTimeoutException e) {
            throw timedOut(uri);
        } catch (IOException e) {
            throw new OtaException(Kind.BAD_REQUEST, "download " + uri + ": " + e);
        }
    }

    /** Drops a body that is not read (a redirect's), freeing the connection. */
    private static void discard(HttpResponse<Flow.Publisher<List<ByteBuffer>>> resp) {
        resp.body().subscribe(new Flow.Subscriber<>() {
            @Override
            public void onSubscribe(Flow.Subscription s) {
                s.cancel();
            }

            @Override
            public void onNext(List<ByteBuffer> item) {
            }

            @Override
            public void onError(Throwable e) {
            }

            @Override
            public void onComplete() {
            }
        });
    }

    /** One chunk of the body, null at its end. */
    private interface Source {
        ByteBuffer next() throws IOException, OtaException, InterruptedException;
    }

    private Result copy(Source in, URI uri, Path target, boolean append, long have, long total, Transfer t)
            throws IOException, OtaException, InterruptedException {
        Blocks b = t.blocks();
        long block = b.size() > 0 ? b.size() : DEFAULT_BLOCK;
        long notify = b.notifySize() > 0 ? b.notifySize()
                : b.size() > 0 ? b.size() : Math.max(DEFAULT_BLOCK, total > 0 ? total / 20 : DEFAULT_BLOCK);
        if (total > 0) notify = Math.max(notify, (total + MAX_REPORTS - 1) / MAX_REPORTS);
        long done = have;
        long nextReport = done + notify;
        long nextPause = done + block;
        t.progress().update(done, total);
        // writes no larger than a block or a report interval: each boundary is seen on its own
        byte[] buf = new byte[(int) Math.min(16 * 1024, Math.min(block, notify))];
        try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
            for (ByteBuffer chunk; (chunk = in.next()) != null;) {
                while (chunk.hasRemaining()) {
                    if (t.cancelled().getAsBoolean()) throw new OtaException(Kind.BAD_REQUEST, "download cancelled");
                    int n = Math.min(buf.length, chunk.remaining());
                    chunk.get(buf, 0, n);
                    done += n;
                    if (done > maxBytes) throw tooLarge();
                    out.write(buf, 0, n);
                    if (done >= nextReport) {
                        out.flush();
                        t.progress().update(done, total);
                        while (nextReport <= done) nextReport += notify;
                    }
                    if (done >= nextPause) {
                        while (nextPause <= done) nextPause += block;
                        if (b.delayMs() > 0) Thread.sleep(b.delayMs());
                    }
                }
            }
        }
        if (total >= 0 && done != total)
            throw new OtaException(Kind.BAD_REQUEST, "download " + uri + " ended after " + done + " of " + total + " bytes");
        t.progress().update(done, total < 0 ? done : total);
        return new Result(done, have);
    }

    private void capDeclared(long total) throws OtaException {
        if (total > maxBytes)
            throw new OtaException(Kind.BAD_REQUEST, "package too large: " + total + " > " + maxBytes + " bytes");
    }

    private OtaException tooLarge() {
        return new OtaException(Kind.BAD_REQUEST, "package too large: more than " + maxBytes + " bytes");
    }

    private OtaException timedOut(URI uri) {
        return new OtaException(Kind.BAD_REQUEST, "download " + uri + " timed out after " + timeoutMs + " ms");
    }

    /** Copies at most max bytes (uploads); more is an error (the partial file is the caller's to delete). */
    public static long copyCapped(InputStream in, OutputStream out, long max) throws IOException, OtaException {
        byte[] buf = new byte[1 << 16];
        long total = 0;
        for (int n; (n = in.read(buf)) > 0;) {
            total += n;
            if (total > max) throw new OtaException(Kind.BAD_REQUEST, "package too large: more than " + max + " bytes");
            out.write(buf, 0, n);
        }
        return total;
    }

    /**
     * The response body as a queue the download loop polls with the timeout: HttpClient has no read
     * timeout of its own, and a server that stops sending mid-body must not hold the job forever.
     */
    private final class Body implements Flow.Subscriber<List<ByteBuffer>> {
        /** End of the body (or its failure): compared by identity. */
        private final List<ByteBuffer> end = new java.util.ArrayList<>(0);
        private final BlockingQueue<List<ByteBuffer>> queue = new LinkedBlockingQueue<>();
        private volatile Flow.Subscription subscription;
        private volatile boolean cancelled;
        private volatile Throwable error;
        private List<ByteBuffer> current = List.of();
        private int index;
        private boolean ended;

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (cancelled) s.cancel();
            else s.request(1);
        }

        @Override
        public void onNext(List<ByteBuffer> item) {
            queue.add(item);
        }

        @Override
        public void onError(Throwable t) {
            error = t;
            queue.add(end);
        }

        @Override
        public void onComplete() {
            queue.add(end);
        }

        void cancel() {
            cancelled = true;
            Flow.Subscription s = subscription;
            if (s != null) s.cancel();
        }

        ByteBuffer next(BooleanSupplier stop, URI uri) throws IOException, OtaException, InterruptedException {
            while (!ended) {
                if (index < current.size()) return current.get(index++);
                long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
                List<ByteBuffer> item;
                while ((item = queue.poll(CANCEL_POLL_MS, TimeUnit.MILLISECONDS)) == null) {
                    if (stop.getAsBoolean()) throw new OtaException(Kind.BAD_REQUEST, "download cancelled");
                    if (System.nanoTime() - deadline >= 0) throw timedOut(uri);
                }
                if (item == end) {
                    ended = true;
                    if (error != null) throw error instanceof IOException io ? io : new IOException(error);
                } else {
                    current = item;
                    index = 0;
                    subscription.request(1);
                }
            }
            return null;
        }
    }
}
