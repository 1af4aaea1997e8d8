package io.vigie.web.core;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import io.vigie.api.detect.FrameResult;
import io.vigie.api.detect.Timings;

/** What the web sink measures from the results it receives. Thread-safe. */
public final class WebMetrics {
    public static final String[] STAGES = { "decode", "preprocess", "inference", "postprocess" };

    private final LatencyHistogram total = new LatencyHistogram();
    private final LatencyHistogram[] stages = new LatencyHistogram[STAGES.length];
    private final AtomicLong frames = new AtomicLong();
    private final AtomicLong gaps = new AtomicLong();
    private final Map<String, LongAdder> intrusions = new ConcurrentHashMap<>();
    private final AtomicLong swaps = new AtomicLong();
    private final AtomicLong modelFailures = new AtomicLong();
    private volatile double lastSwapMillis = Double.NaN;
    private long lastSequence = -1; // only touched by the single listener thread via synchronized record

    public WebMetrics() {
        for (int i = 0; i < stages.length; i++) stages[i] = new LatencyHistogram();
    }

    public synchronized void record(FrameResult r) {
        frames.incrementAndGet();
        if (lastSequence >= 0 && r.sequence() > lastSequence + 1) gaps.addAndGet(r.sequence() - lastSequence - 1);
        lastSequence = r.sequence();
        Timings t = r.timings();
        if (t != null) {
            total.observe(t.totalMillis() / 1000.0);
            stages[0].observe(t.decodeMillis() / 1000.0);
            stages[1].observe(t.preprocessMillis() / 1000.0);
            stages[2].observe(t.inferenceMillis() / 1000.0);
            stages[3].observe(t.postprocessMillis() / 1000.0);
        }
    }

    /** A MODEL event: a completed swap (with its latency, request to first frame) or a refused model. */
    public void modelEvent(Double swapMillis, boolean failed) {
        if (failed) {
            modelFailures.incrementAndGet();
        } else if (swapMillis != null) {
            swaps.incrementAndGet();
            lastSwapMillis = swapMillis;
        }
    }

    public long swaps() {
        return swaps.get();
    }

    public long modelFailures() {
        return modelFailures.get();
    }

    /** Latency of the last model swap (ms), NaN before the first. */
    public double lastSwapMillis() {
        return lastSwapMillis;
    }

    public void intrusionStarted(String zone) {
        intrusions.computeIfAbsent(zone == null ? "" : zone, z -> new LongAdder()).increment();
    }

    public LatencyHistogram total() {
        return total;
    }

    /** @param i index into {@link #STAGES} */
    public LatencyHistogram stage(int i) {
        return stages[i];
    }

    /** Results received by this sink. */
    public long frames() {
        return frames.get();
    }

    /** Sequence numbers this sink never saw (dropped upstream or by its own queue). */
    public long sequenceGaps() {
        return gaps.get();
    }

    /** Intrusion starts per zone, sorted by zone. */
    public Map<String, Long> intrusions() {
        Map<String, Long> m = new TreeMap<>();
        intrusions.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }
}
