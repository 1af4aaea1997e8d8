package io.vigie.tools.bench;

import java.util.Arrays;
import java.util.List;

/**
 * Frame continuity around a model swap, from the frames the gateway streamed (SSE): source sequence
 * numbers that never reached the stream, and inter-frame gaps (frame timestamps) against their median.
 * The goal (docs/BENCHMARKS.md): no missing frame and a max gap at most 2x the median.
 *
 * @param frames     frames looked at
 * @param missing    sequence numbers skipped between consecutive frames
 * @param medianGapMs median inter-frame gap
 * @param maxGapMs   largest inter-frame gap
 */
public record Continuity(int frames, long missing, Long medianGapMs, Long maxGapMs) {

    /** One streamed frame: source sequence number and capture timestamp (ms). */
    public record Frame(long seq, long timestampMs) {
    }

    public static Continuity of(List<Frame> frames) {
        if (frames.size() < 2) return new Continuity(frames.size(), 0, null, null);
        long missing = 0;
        long[] gaps = new long[frames.size() - 1];
        for (int i = 1; i < frames.size(); i++) {
            Frame a = frames.get(i - 1), b = frames.get(i);
            if (b.seq() <= a.seq()) throw new IllegalArgumentException("frames out of order: " + a.seq() + " then " + b.seq());
            missing += b.seq() - a.seq() - 1;
            gaps[i - 1] = b.timestampMs() - a.timestampMs();
        }
        long[] sorted = gaps.clone();
        Arrays.sort(sorted);
        return new Continuity(frames.size(), missing, sorted[sorted.length / 2], sorted[sorted.length - 1]);
    }

    /** The goal: nothing missing and no gap above twice the median. */
    public boolean meetsGoal() {
        return missing == 0 && medianGapMs != null && maxGapMs <= 2 * medianGapMs;
    }
}
