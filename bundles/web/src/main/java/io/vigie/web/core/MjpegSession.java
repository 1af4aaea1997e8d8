package io.vigie.web.core;

import java.io.IOException;
import java.io.OutputStream;
import java.util.function.BooleanSupplier;

/**
 * One MJPEG client's loop: take the newest frame the viewer is due for (its fps cap is applied by the
 * hub, before any copy), write it, repeat. Runs on the client's own (servlet) thread; a blocked write
 * only delays that client, which then simply skips to whatever frame is newest when it is ready again.
 */
public final class MjpegSession {
    /** Resend the last frame after this long without a new one, so dead clients are noticed. */
    static final long KEEPALIVE_MILLIS = 5_000;

    private final FrameHub hub;
    private final FrameHub.Viewer viewer;

    /** @param viewer this client's registration, from {@link FrameHub#open(double)} with its fps cap */
    public MjpegSession(FrameHub hub, FrameHub.Viewer viewer) {
        this.hub = hub;
        this.viewer = viewer;
    }

    /**
     * @param out     the response body
     * @param running checked between frames; false ends the loop
     * @param limit   stop after this many parts (tests), or Long.MAX_VALUE
     * @return parts written
     * @throws IOException when the client went away
     */
    public long run(OutputStream out, BooleanSupplier running, long limit) throws IOException, InterruptedException {
        long written = 0;
        FrameHub.Encoded last = null;
        while (written < limit && running.getAsBoolean() && !hub.isClosed() && viewer.isOpen()) {
            FrameHub.Encoded e = viewer.next(KEEPALIVE_MILLIS);
            if (e == null) {
                if (hub.isClosed()) break;
                if (last == null) continue;
                e = last; // keepalive: same picture again
            }
            if (e.jpeg() == null) continue; // this frame failed to render: wait for the next
            MjpegWriter.writePart(out, e.jpeg());
            written++;
            last = e;
        }
        return written;
    }
}
