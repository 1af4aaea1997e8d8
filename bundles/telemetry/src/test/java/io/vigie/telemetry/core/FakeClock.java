package io.vigie.telemetry.core;

import java.util.function.LongSupplier;

/** Manual clock for deterministic rate and window tests. */
final class FakeClock implements LongSupplier {
    long nanos = 1_000_000_000L;

    @Override
    public long getAsLong() {
        return nanos;
    }

    void advanceMillis(long ms) {
        nanos += ms * 1_000_000L;
    }

    long millis() {
        return nanos / 1_000_000L;
    }
}
