package io.vigie.web.core;

import java.io.IOException;
import java.io.OutputStream;
import java.util.function.BooleanSupplier;

/**
 * One MJPEG client's loop: take the newest frame, write it, wait out the client's fps cap, repeat.
 * Runs on the client's own (servlet) thread; a blocked write only delays that client, which then
 * simply skips to whatever frame is newest when it is ready again.
 */
public final class MjpegSession {
    /** Resend the last frame after this long without a new one, so dead clients are noticed. */
    static final long KEEPALIVE_MILLIS = 5_000;

    private final FrameHub hub;
    private final double maxFps;

    /** @param maxFps frames per second cap for this client, 0 or less for none */
    public MjpegSession(FrameHub hub, double maxFps) {
        this.hub = hub;
        this.maxFps = maxFps;
    }

    /**
     * @param out     the response body
     * @param running checked between frames; false ends the loop
     * @param limit   stop after this many parts (tests), or Long.MAX_VALUE
     * @return parts written
     * @throws IOException when the client went away
     */
    public long run(OutputStream out, BooleanSupplier running, long limit) throws IOException, InterruptedException {
        long minIntervalNanos = maxFps > 0 ? (long) (1e9 / maxFps) : 0;
        long after = 0;
        long written = 0;
        FrameHub.Encoded last = null;
        long lastWrite = System.nanoTime();
        while (written < limit && running.getAsBoolean() && !hub.isClosed()) {
            FrameHub.Encoded e = hub.next(after, KEEPALIVE_MILLIS);
            if (e == null) {
                if (hub.isClosed()) break;
                if (last == null) continue;
                e = last; // keepalive: same picture again
            }
            after = e.version();
            if (e.jpeg() == null) continue; // this frame failed to render: wait for the next
            MjpegWriter.writePart(out, e.jpeg());
            written++;
            last = e;
            if (minIntervalNanos > 0) {
                long sleep = minIntervalNanos - (System.nanoTime() - lastWrite);
                if (sleep > 0) Thread.sleep(sleep / 1_000_000L, (int) (sleep % 1_000_000L));
            }
            lastWrite = System.nanoTime();
        }
        return written;
    }
}
