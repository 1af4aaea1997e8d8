package io.vigie.web.core;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import io.vigie.api.detect.FrameResult;
import io.vigie.api.video.ImageView;

/**
 * Single-slot handoff from the frame listener to MJPEG/snapshot clients. Publishing only replaces
 * the newest frame (never blocks, never queues); a frame is rendered to JPEG lazily, at most once,
 * by the first client that takes it, and the bytes are shared by every client. Frames nobody
 * takes are never encoded, so a slow client costs nothing but its own skipped frames.
 * <p>
 * Each viewer's fps cap is applied here, before any pixel is copied: a capped viewer is "due" once per
 * slot of a grid of its frame interval, aligned on the clock (so viewers with the same cap take the
 * same frames and share one encoding), and {@link #wantsImages()} is true only while some viewer is
 * due. The detector copies a frame's pixels only for frames a viewer will take: none when nobody
 * watches, at most one per interval for 10 fps viewers of a 30 fps source.
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
    private final List<Viewer> open = new ArrayList<>(); // guarded by lock
    /** Clock time from which some open viewer is due, Long.MAX_VALUE when none is open. */
    private volatile long earliestDue = Long.MAX_VALUE;
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

    /** Cheap, lock-free: the frame listener asks this once per frame; true while a viewer is due. */
    public boolean wantsImages() {
        long due = earliestDue;
        return due != Long.MAX_VALUE && nanoClock.getAsLong() >= due;
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

    /** Registers a viewer without an fps cap (snapshots): while it is open, {@link #wantsImages()} is true. */
    public Viewer open() throws TooManyViewersException {
        return open(0);
    }

    /**
     * Registers a viewer taking at most {@code maxFps} frames per second (0 or less: no cap) through
     * {@link Viewer#next(long)}; {@link #wantsImages()} is true while it is due.
     */
    public Viewer open(double maxFps) throws TooManyViewersException {
        synchronized (lock) {
            if (closed) throw new IllegalStateException("stream hub closed");
            if (open.size() >= maxViewers) throw new TooManyViewersException(maxViewers);
            Viewer v = new Viewer(maxFps > 0 ? (long) (1e9 / maxFps) : 0);
            open.add(v);
            updateEarliestDue();
            return v;
        }
    }

    private void updateEarliestDue() { // under lock
        long min = Long.MAX_VALUE;
        for (Viewer v : open) if (!v.busy) min = Math.min(min, v.due);
        earliestDue = min;
    }

    /** The newest published version, 0 before the first; pass it to {@link #next} to wait for a newer one. */
    public long currentVersion() {
        synchronized (lock) {
            return version;
        }
    }

    public int viewers() {
        synchronized (lock) {
            return open.size();
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
        private final long intervalNanos; // 0: no cap
        private long due = Long.MIN_VALUE; // guarded by lock: clock time from which this viewer takes a frame
        private long lastVersion; // guarded by lock
        // guarded by lock: between a take and the next call, e.g. writing to a slow socket: no copies for it
        private boolean busy;

        private Viewer(long intervalNanos) {
            this.intervalNanos = intervalNanos;
        }

        /** Non-blocking: the newest frame, encoded, if this viewer is due and has not taken it yet; else null. */
        public Encoded poll() {
            Slot s;
            synchronized (lock) {
                ready();
                s = closed ? null : take(nanoClock.getAsLong());
            }
            return s == null ? null : s.encoded();
        }

        /**
         * Blocks until this viewer is due and a frame newer than the last it took exists, then returns it
         * encoded (outside the hub lock, so publishing never waits for the encoder).
         *
         * @return null on timeout, or when the hub or this viewer closes
         */
        public Encoded next(long timeoutMillis) throws InterruptedException {
            long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
            Slot s;
            synchronized (lock) {
                ready();
                while (true) {
                    if (closed || !open.contains(this)) return null;
                    long now = nanoClock.getAsLong();
                    s = take(now);
                    if (s != null) break;
                    long left = deadline - System.nanoTime();
                    if (left <= 0) return null;
                    if (now < due) left = Math.min(left, due - now); // wake up when due, even without a publish
                    lock.wait(Math.max(1, left / 1_000_000L));
                }
            }
            return s.encoded();
        }

        private void ready() { // under lock
            if (busy) {
                busy = false;
                updateEarliestDue();
            }
        }

        private Slot take(long now) { // under lock
            if (latest == null || latest.version <= lastVersion || now < due) return null;
            lastVersion = latest.version;
            // the next cell of a grid aligned on the clock: same-cap viewers take the same frames
            if (intervalNanos > 0) due = (Math.floorDiv(now, intervalNanos) + 1) * intervalNanos;
            busy = true;
            updateEarliestDue();
            return latest;
        }

        public boolean isOpen() {
            synchronized (lock) {
                return open.contains(this);
            }
        }

        @Override
        public void close() {
            synchronized (lock) {
                if (open.remove(this)) {
                    updateEarliestDue();
                    lock.notifyAll();
                }
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
