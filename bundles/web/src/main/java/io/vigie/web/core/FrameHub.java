package io.vigie.web.core;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import io.vigie.api.detect.FrameResult;
import io.vigie.api.video.ImageView;

/**
 * Single-slot handoff from the frame listener to MJPEG/snapshot clients. Publishing only replaces
 * the newest frame (never blocks, never queues); a frame is rendered to JPEG lazily, at most once,
 * by the first client that asks for it, and the bytes are shared by every client. Frames nobody
 * asks for are never encoded, so a slow client costs nothing but its own skipped frames.
 */
public final class FrameHub implements AutoCloseable {

    /** Annotates and encodes one frame. */
    @FunctionalInterface
    public interface Renderer {
        byte[] render(FrameResult result, ImageView image) throws IOException;
    }

    /**
     * One encoded frame; {@code version} is the hub's own publish counter; {@code jpeg} is null when
     * rendering this frame failed (the client skips it).
     */
    public record Encoded(long version, long sequence, byte[] jpeg) {
    }

    /** Thrown by {@link #open()} when the viewer limit is reached. */
    public static final class TooManyViewersException extends Exception {
        private static final long serialVersionUID = 1L;

        TooManyViewersException(int max) {
            super("too many stream clients (max " + max + ")");
        }
    }

    private final Renderer renderer;
    private final LongSupplier nanoClock;
    private final Object lock = new Object();
    private final AtomicLong encodes = new AtomicLong();
    private final AtomicLong renderFailures = new AtomicLong();
    private Slot latest; // guarded by lock
    private long version; // guarded by lock
    private int viewers; // guarded by lock
    private volatile boolean wantsImages;
    private volatile int maxViewers;
    private boolean closed; // guarded by lock

    public FrameHub(Renderer renderer, int maxViewers, LongSupplier nanoClock) {
        this.renderer = renderer;
        this.nanoClock = nanoClock;
        setMaxViewers(maxViewers);
    }

    public void setMaxViewers(int max) {
        if (max < 1) throw new IllegalArgumentException("max viewers must be >= 1: " + max);
        this.maxViewers = max;
    }

    /** Cheap, lock-free: the frame listener asks this once per frame. */
    public boolean wantsImages() {
        return wantsImages;
    }

    /** Replaces the newest frame and wakes waiting clients. The hub keeps {@code image}. */
    public void publish(FrameResult result, ImageView image) {
        if (result == null || image == null) return;
        synchronized (lock) {
            if (closed) return;
            latest = new Slot(++version, result, image, nanoClock.getAsLong());
            lock.notifyAll();
        }
    }

    /** Registers a viewer: while at least one is open, {@link #wantsImages()} is true. */
    public Viewer open() throws TooManyViewersException {
        synchronized (lock) {
            if (closed) throw new IllegalStateException("stream hub closed");
            if (viewers >= maxViewers) throw new TooManyViewersException(maxViewers);
            viewers++;
            wantsImages = true;
        }
        return new Viewer();
    }

    /** The newest published version, 0 before the first; pass it to {@link #next} to wait for a newer one. */
    public long currentVersion() {
        synchronized (lock) {
            return version;
        }
    }

    public int viewers() {
        synchronized (lock) {
            return viewers;
        }
    }

    /** How many JPEG encodings ran (once per frame some client actually took). */
    public long encodes() {
        return encodes.get();
    }

    public long renderFailures() {
        return renderFailures.get();
    }

    /** The newest frame if it arrived within {@code maxAgeNanos}, encoded; else null. */
    public Encoded latestIfFresh(long maxAgeNanos) {
        Slot s;
        synchronized (lock) {
            s = latest;
        }
        if (s == null || nanoClock.getAsLong() - s.receivedNanos > maxAgeNanos) return null;
        Encoded e = s.encoded();
        return e.jpeg() == null ? null : e;
    }

    /**
     * Blocks until a frame newer than {@code afterVersion} exists, then returns it encoded (the
     * encoding happens outside the hub lock, so publishing never waits for it).
     *
     * @return null on timeout or when the hub closes
     */
    public Encoded next(long afterVersion, long timeoutMillis) throws InterruptedException {
        Slot s;
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        synchronized (lock) {
            while (!closed && (latest == null || latest.version <= afterVersion)) {
                long left = (deadline - System.nanoTime()) / 1_000_000L;
                if (left <= 0) return null;
                lock.wait(left);
            }
            if (closed) return null;
            s = latest;
        }
        return s.encoded();
    }

    /** Wakes and ends every waiting client; later publishes are ignored. */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            latest = null;
            lock.notifyAll();
        }
    }

    public boolean isClosed() {
        synchronized (lock) {
            return closed;
        }
    }

    /** A connected stream or snapshot client; close it when the client goes away. */
    public final class Viewer implements AutoCloseable {
        private boolean open = true;

        @Override
        public void close() {
            synchronized (lock) {
                if (!open) return;
                open = false;
                viewers--;
                wantsImages = viewers > 0;
            }
        }
    }

    private final class Slot {
        final long version;
        final FrameResult result;
        final long receivedNanos;
        private ImageView image; // dropped once encoded
        private Encoded encoded;
        private boolean failed;

        Slot(long version, FrameResult result, ImageView image, long receivedNanos) {
            this.version = version;
            this.result = result;
            this.image = image;
            this.receivedNanos = receivedNanos;
        }

        synchronized Encoded encoded() {
            if (!failed && encoded == null) {
                try {
                    encoded = new Encoded(version, result.sequence(), renderer.render(result, image));
                    encodes.incrementAndGet();
                } catch (IOException | RuntimeException e) {
                    encoded = new Encoded(version, result.sequence(), null);
                    failed = true;
                    renderFailures.incrementAndGet();
                }
                image = null;
            }
            return encoded;
        }
    }
}
