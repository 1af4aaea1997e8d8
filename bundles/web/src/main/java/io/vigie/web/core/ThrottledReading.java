package io.vigie.web.core;

import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;

/**
 * A number read from a costly source at most once per period (e.g. the detector's fps for a per-frame
 * overlay: its status is a whole snapshot, too much to build for every frame). Thread-safe.
 */
public final class ThrottledReading {
    private final DoubleSupplier source;
    private final long periodNanos;
    private final LongSupplier nanoClock;
    private boolean read;
    private long readAt;
    private double value;

    public ThrottledReading(DoubleSupplier source, long periodNanos, LongSupplier nanoClock) {
        this.source = source;
        this.periodNanos = periodNanos;
        this.nanoClock = nanoClock;
    }

    /** The last reading, refreshed first when it is a period old (or was never taken). */
    public synchronized double get() {
        long now = nanoClock.getAsLong();
        if (!read || now - readAt >= periodNanos) {
            value = source.getAsDouble();
            readAt = now;
            read = true;
        }
        return value;
    }
}
