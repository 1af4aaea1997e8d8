package io.vigie.telemetry.core;

import io.vigie.api.detect.FrameResult;
import io.vigie.api.model.ModelIdentity;

/**
 * Folds every frame result into one window (frames, persons, latency percentiles, sequence gaps)
 * that {@link #drain} turns into a {@link Window} and restarts. Per-frame detections are never
 * sent one by one: only these aggregates leave the gateway. Frames arrive on the detector's sink
 * thread, drains on the telemetry thread, hence the lock (held for microseconds).
 */
public final class FrameAggregator {
    /** One metrics period. Latencies are the detector's total.ms per frame, NaN when no frame came. */
    public record Window(long frames, double seconds, double fps, double p50, double p95, double p99, double max,
            long sequenceGaps, int personsMax, long framesWithPersons, ModelIdentity model, long lastSequence) {
    }

    private final PercentileWindow latency;
    private long startMillis;
    private long frames;
    private long gaps;
    private double max = Double.NaN;
    private int personsMax;
    private long withPersons;
    private long lastSeq = -1;
    private ModelIdentity model;

    public FrameAggregator(int maxSamples, long nowMillis) {
        latency = new PercentileWindow(maxSamples);
        startMillis = nowMillis;
    }

    public synchronized void add(FrameResult r) {
        frames++;
        double total = r.timings() == null ? Double.NaN : r.timings().totalMillis();
        latency.add(total);
        if (Double.isFinite(total) && !(total <= max)) max = total;
        int persons = r.detections().size();
        if (persons > personsMax) personsMax = persons;
        if (persons > 0) withPersons++;
        // Sequence numbers come from the source: a jump means frames nobody processed (source drops,
        // or our own sink queue dropping). A restart of the source (seq going back) is not a gap.
        if (lastSeq >= 0 && r.sequence() > lastSeq + 1) gaps += r.sequence() - lastSeq - 1;
        lastSeq = r.sequence();
        if (r.model() != null) model = r.model();
    }

    /** Closes the current window at {@code nowMillis} and starts the next. */
    public synchronized Window drain(long nowMillis) {
        double seconds = Math.max(0, nowMillis - startMillis) / 1000.0;
        double[] p = latency.percentiles(50, 95, 99);
        Window w = new Window(frames, seconds, seconds > 0 ? frames / seconds : 0, p[0], p[1], p[2], max, gaps,
                personsMax, withPersons, model, lastSeq);
        startMillis = nowMillis;
        frames = 0;
        gaps = 0;
        max = Double.NaN;
        personsMax = 0;
        withPersons = 0;
        latency.clear();
        return w;
    }
}
