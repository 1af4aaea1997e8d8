package io.vigie.video.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.vigie.api.video.Frame;
import io.vigie.api.video.FrameSource;
import io.vigie.api.video.ImageView;
import io.vigie.api.video.SourceConfig;
import io.vigie.api.video.SourceStatus;
import io.vigie.api.video.SourceStatus.State;

/**
 * A running source: one capture thread opens a {@link FrameReader}, copies each decoded frame
 * into a pooled direct buffer and publishes it in a {@link FrameSlot} (newest wins, replaced
 * frames are counted as dropped). Failures close the reader and retry with exponential back-off
 * (capped at {@link Backoff#FAST_CAP_MS} for the first minutes of an outage);
 * the end of a recorded input loops or ends. Knows nothing of FFmpeg: readers come from a supplier.
 */
public final class CaptureSource implements FrameSource {
    private static final Logger LOG = LoggerFactory.getLogger(CaptureSource.class);

    private static final long CLOSE_WAIT_MS = 2000;

    private final SourceUri uri;
    private final SourceConfig config;
    private final Supplier<FrameReader> readers;
    private final BufferPool pool;
    private final FrameSlot<PooledFrame> slot = new FrameSlot<>();
    private final CountDownLatch stop = new CountDownLatch(1);
    private final AtomicBoolean closing = new AtomicBoolean();
    private final Thread thread;
    private final Consumer<CaptureSource> onClose;

    private volatile State state = State.STARTING;
    private volatile String error;
    private volatile double fps;
    private volatile int width;
    private volatile int height;
    private final AtomicLong decoded = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong reconnects = new AtomicLong();
    private long sequence; // capture thread only

    /**
     * @param onClose called once when closed (the factory forgets the source), may be null
     */
    public CaptureSource(SourceUri uri, SourceConfig config, Supplier<FrameReader> readers, int poolSize,
            Memory memory, Consumer<CaptureSource> onClose) {
        this.uri = Objects.requireNonNull(uri);
        this.config = Objects.requireNonNull(config);
        this.readers = Objects.requireNonNull(readers);
        this.pool = new BufferPool(poolSize, memory);
        this.onClose = onClose;
        this.thread = new Thread(this::run, "vigie-video " + uri.shown());
        // daemon: a capture blocked in a native network read must never keep the JVM alive
        thread.setDaemon(true);
    }

    /** Starts the capture thread; returns at once. */
    public CaptureSource start() {
        thread.start();
        return this;
    }

    public SourceUri uri() { return uri; }

    /** The capture thread (for tests that check it ends). */
    Thread thread() { return thread; }

    @Override
    public Frame take(long timeout, TimeUnit unit) throws InterruptedException {
        return slot.take(timeout, unit);
    }

    @Override
    public SourceStatus status() {
        return new SourceStatus(state, error, decoded.get(), dropped.get(), reconnects.get(), fps, width, height);
    }

    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) return;
        stop.countDown();
        pool.close();
        // the thread closes its own reader (FFmpeg contexts are not thread-safe). Files and cameras
        // stop within a frame; a native open/read blocked on the network cannot be interrupted
        // (JavaCV sets no FFmpeg interrupt callback) and is bounded by the reader's socket timeouts:
        // then close() does not wait for it, the daemon thread frees the reader and ends by itself.
        thread.interrupt();
        try {
            thread.join(CLOSE_WAIT_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive())
            LOG.warn("{}: capture thread still blocked in a network call; it frees the input and ends when that times out"
                    + " (≤ a few × {} ms)", uri, config.openTimeoutMs());
        PooledFrame left = slot.close();
        if (left != null) left.close();
        state = State.CLOSED;
        if (onClose != null) onClose.accept(this);
    }

    private boolean stopping() { return closing.get(); }

    private void setState(State s, String err) {
        if (stopping()) return;
        state = s;
        error = err;
    }

    private void run() {
        Backoff backoff = new Backoff(config.reconnectMinMs(), config.reconnectMaxMs(), Backoff.FAST_CAP_MS,
                Backoff.FAST_WINDOW_MS, () -> System.nanoTime() / 1_000_000);
        Pacer pacer = null;
        String lastLogged = null;
        try {
            while (!stopping()) {
                FrameReader reader = readers.get();
                try {
                    reader.open();
                    double nativeFps = reader.fps();
                    fps = nativeFps;
                    if (pacer == null || pacerFps != nativeFps) {
                        pacer = new Pacer(config.maxFps(), nativeFps, config.realtime() && !uri.kind().live());
                        pacerFps = nativeFps;
                    }
                    long before = decoded.get();
                    if (!pump(reader, pacer, backoff)) return; // stopped
                    if (decoded.get() == before)
                        throw new IOException("input ended before its first frame");
                    if (config.loop()) {
                        LOG.debug("{}: end of input, looping", uri);
                        continue;
                    }
                    LOG.info("{}: end of input after {} frames", uri, decoded.get());
                    setState(State.ENDED, null);
                    slot.finish();
                    return;
                } catch (IOException | RuntimeException | LinkageError e) {
                    if (stopping()) return;
                    String msg = uri.shown() + ": " + uri.scrub(describe(e));
                    setState(State.RECONNECTING, msg);
                    long delay = backoff.next();
                    if (!msg.equals(lastLogged)) {
                        LOG.warn("{} (retrying with back-off, next in {} ms)", msg, delay);
                        lastLogged = msg;
                    } else {
                        LOG.debug("{} (retry in {} ms)", msg, delay);
                    }
                    reader.close();
                    if (sleep(TimeUnit.MILLISECONDS.toNanos(delay))) return;
                    reconnects.incrementAndGet();
                } finally {
                    reader.close();
                }
            }
        } finally {
            LOG.debug("{}: capture thread ends", uri);
        }
    }

    private double pacerFps = Double.NaN; // capture thread only

    /** Reads until the end of input (true) or stop (false); throws on failure. */
    private boolean pump(FrameReader reader, Pacer pacer, Backoff backoff) throws IOException {
        boolean first = true;
        while (true) {
            if (stopping()) return false;
            long t0 = System.nanoTime();
            ImageView img = reader.read();
            long t1 = System.nanoTime();
            if (img == null) {
                if (uri.kind().live()) throw new IOException("stream ended");
                return true;
            }
            decoded.incrementAndGet();
            String warning = reader.takeWarning();
            if (first || warning != null) {
                if (first) {
                    backoff.reset();
                    if (state != State.RUNNING) LOG.info("{}: running, {}x{} at {} fps", uri, img.width(), img.height(), fps);
                }
                setState(State.RUNNING, warning == null ? null : uri.shown() + ": " + uri.scrub(warning));
                first = false;
            }
            width = img.width();
            height = img.height();
            long wait = pacer.waitNanos(t1);
            if (wait > 0) {
                // a live input keeps being read (no stale backlog); only publishing is paced
                if (uri.kind().live()) continue;
                if (sleep(wait)) return false;
            }
            if (!publish(img, (t1 - t0) / 1e6)) return false;
            pacer.published(System.nanoTime());
        }
    }

    private boolean publish(ImageView img, double decodeMillis) {
        int rowBytes = img.width() * 3;
        int size = rowBytes * img.height();
        ByteBuffer buf = pool.tryAcquire(size);
        if (buf == null) {
            // every free buffer is in the slot or lent: reuse the untaken one
            PooledFrame stale = slot.reclaim();
            if (stale != null) {
                dropped.incrementAndGet();
                stale.close();
                buf = pool.tryAcquire(size);
            }
        }
        while (buf == null) {
            // consumers hold all buffers: wait for one to come back (no busy wait)
            if (stopping()) return false;
            try {
                buf = pool.acquire(size, 1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                return false;
            }
        }
        copy(img, buf, rowBytes);
        PooledFrame frame = new PooledFrame(++sequence, System.currentTimeMillis(), decodeMillis,
                new ImageView(img.width(), img.height(), rowBytes, buf), buf, pool);
        PooledFrame old = slot.publish(frame);
        if (old == frame) {
            frame.close(); // closed meanwhile
        } else if (old != null) {
            dropped.incrementAndGet();
            old.close();
        }
        return true;
    }

    static void copy(ImageView src, ByteBuffer dst, int rowBytes) {
        ByteBuffer s = src.bgr().duplicate();
        dst.clear();
        if (src.stride() == rowBytes) {
            s.limit(rowBytes * src.height()).position(0);
            dst.put(s);
        } else {
            for (int y = 0; y < src.height(); y++) {
                int off = y * src.stride();
                s.limit(off + rowBytes).position(off);
                dst.put(s);
            }
        }
        dst.flip();
    }

    /** Sleeps unless stopped; true if stopped. */
    private boolean sleep(long nanos) {
        try {
            return stop.await(nanos, TimeUnit.NANOSECONDS) || stopping();
        } catch (InterruptedException e) {
            return true;
        }
    }

    static String describe(Throwable e) {
        String m = e.getMessage();
        if (m == null || m.isBlank()) m = e.getClass().getSimpleName();
        if (e instanceof LinkageError) m = "native decoder unavailable: " + m;
        return m;
    }
}
