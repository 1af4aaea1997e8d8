package io.vigie.ota.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.BooleanSupplier;

import io.vigie.ota.core.OtaException.Kind;

/**
 * HTTP(S) download for DEPLOY-V2: into a {@code .part} file, in blocks of {@code blockSize} bytes
 * with an optional pause after each (Kura's {@code dp.download.block.size} /
 * {@code dp.download.block.delay}, to spare a thin link), reporting progress every
 * {@code notifyBlockSize} bytes (Kura's {@code dp.download.notify.block.size}; default: every block,
 * or a twentieth of the file when no block size is given),
 * resuming a partial file with an HTTP Range request, cancellable between reads, with connect/read
 * timeouts and a size cap.
 */
public final class BlockDownloader {
    /** Progress callback: bytes on disk so far, total (-1 when the server does not say). */
    public interface Progress {
        void update(long done, long total);
    }

    /** @param resumedFrom bytes that were already on disk and kept (0 = from the start) */
    public record Result(long bytes, long resumedFrom) {
    }

    /** Sizes in bytes (0 = default), delay in ms. */
    public record Settings(int timeoutMs, int blockSize, int blockDelayMs, int notifyBlockSize, long maxBytes) {
    }

    private BlockDownloader() {
    }

    public static Result fetch(URI uri, Path part, boolean resume, Settings s, BooleanSupplier cancelled, Progress progress)
            throws OtaException, IOException, InterruptedException {
        long have = resume && Files.isRegularFile(part) ? Files.size(part) : 0;
        HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
        c.setConnectTimeout(s.timeoutMs());
        c.setReadTimeout(s.timeoutMs());
        c.setInstanceFollowRedirects(true);
        if (have > 0) c.setRequestProperty("Range", "bytes=" + have + "-");
        try {
            int code = c.getResponseCode();
            long total;
            boolean append;
            if (have > 0 && code == 206) {
                String range = c.getHeaderField("Content-Range"); // bytes START-END/TOTAL
                if (range == null || !range.trim().startsWith("bytes " + have + "-"))
                    throw new OtaException(Kind.BAD_REQUEST, "server answered the resume with an unexpected range: " + range);
                String t = range.substring(range.indexOf('/') + 1).trim();
                total = t.equals("*") ? -1 : Long.parseLong(t);
                append = true;
            } else if (code == 200) {
                total = c.getContentLengthLong();
                append = false;
                have = 0; // the server ignores ranges: start over
            } else if (have > 0 && code == 416) {
                // nothing after what we have: the part is complete or stale; fetch it whole again
                c.disconnect();
                Files.deleteIfExists(part);
                return fetch(uri, part, false, s, cancelled, progress);
            } else {
                throw new OtaException(Kind.BAD_REQUEST, "download " + uri + ": HTTP " + code);
            }
            if (total > s.maxBytes()) throw new OtaException(Kind.BAD_REQUEST, "package too large: " + total + " > " + s.maxBytes() + " bytes");
            long block = s.blockSize() > 0 ? s.blockSize() : 64 * 1024;
            long notify = s.notifyBlockSize() > 0 ? s.notifyBlockSize()
                    : s.blockSize() > 0 ? s.blockSize() : Math.max(64 * 1024, total > 0 ? total / 20 : 64 * 1024);
            long done = have;
            long nextReport = done + notify;
            long nextPause = done + block;
            progress.update(done, total);
            // reads no larger than a block or a report interval: each boundary is seen on its own
            byte[] buf = new byte[(int) Math.min(16 * 1024, Math.min(block, notify))];
            try (InputStream in = c.getInputStream();
                    OutputStream out = Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                            append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
                for (int n; (n = in.read(buf)) > 0;) {
                    if (cancelled.getAsBoolean()) throw new OtaException(Kind.BAD_REQUEST, "download cancelled");
                    done += n;
                    if (done > s.maxBytes()) throw new OtaException(Kind.BAD_REQUEST, "package too large: more than " + s.maxBytes() + " bytes");
                    out.write(buf, 0, n);
                    if (done >= nextReport) {
                        out.flush();
                        progress.update(done, total);
                        while (nextReport <= done) nextReport += notify;
                    }
                    if (done >= nextPause) {
                        while (nextPause <= done) nextPause += block;
                        if (s.blockDelayMs() > 0) Thread.sleep(s.blockDelayMs());
                    }
                }
            }
            if (total >= 0 && done != total)
                throw new OtaException(Kind.BAD_REQUEST, "download " + uri + " ended after " + done + " of " + total + " bytes");
            progress.update(done, total < 0 ? done : total);
            return new Result(done, have);
        } catch (java.net.SocketTimeoutException e) {
            throw new OtaException(Kind.BAD_REQUEST, "download " + uri + " timed out after " + s.timeoutMs() + " ms");
        } catch (java.net.ConnectException | java.net.UnknownHostException e) {
            throw new OtaException(Kind.BAD_REQUEST, "download " + uri + ": " + e);
        } finally {
            c.disconnect();
        }
    }
}
