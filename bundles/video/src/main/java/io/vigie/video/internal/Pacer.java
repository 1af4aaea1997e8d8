package io.vigie.video.internal;

/**
 * Decides when the next frame may be published: at most maxFps, and for recorded inputs played in
 * realtime, at their native rate. Works on a caller-supplied nanosecond clock so it is testable.
 * Never asks for a catch-up burst: if the consumer side fell behind by more than one interval
 * the schedule restarts from now, as a camera would.
 */
public final class Pacer {
    private final long intervalNanos;
    private long due = Long.MIN_VALUE;

    /**
     * @param maxFps    cap, 0 = none
     * @param nativeFps rate of the input, 0 = unknown
     * @param realtime  play at the native rate
     */
    public Pacer(double maxFps, double nativeFps, boolean realtime) {
        long cap = maxFps > 0 ? (long) (1e9 / maxFps) : 0;
        long nat = realtime && nativeFps > 0 && Double.isFinite(nativeFps) ? (long) (1e9 / nativeFps) : 0;
        this.intervalNanos = Math.max(cap, nat);
    }

    public long intervalNanos() { return intervalNanos; }

    /** Nanoseconds to wait from now before the next frame is due; 0 if due now. */
    public long waitNanos(long now) {
        if (intervalNanos == 0 || due == Long.MIN_VALUE) return 0;
        return Math.max(0, due - now);
    }

    /** Records that a frame was published at now. */
    public void published(long now) {
        if (intervalNanos == 0) return;
        due = (due == Long.MIN_VALUE || now - due > intervalNanos) ? now + intervalNanos : due + intervalNanos;
    }
}
