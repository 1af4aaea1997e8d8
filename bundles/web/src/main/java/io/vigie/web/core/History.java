package io.vigie.web.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import io.vigie.api.detect.FrameResult;
import io.vigie.api.detect.Timings;

/**
 * The last minutes of the pipeline in 1 s samples (fps, p50/p95 latency, mean per-stage ms, sequence gaps, CPU %,
 * RSS MB) plus marks (model swaps, OTA events) for the dashboard's charts. Everything lives in primitive arrays
 * allocated once: {@link #record} is O(1) and allocation-free on the sink thread; a ticker calls {@link #sample}
 * once a second (percentiles sorted there, not per frame). Thread-safe.
 */
public final class History {
    /** Per-stage series, in the order of {@link WebMetrics#STAGES}. */
    public static final int STAGES = WebMetrics.STAGES.length;
    /** Latencies kept per second for its percentiles (more frames in one second overwrite the oldest). */
    static final int LATENCIES_PER_SECOND = 1024;
    /** Frames remembered (sequence, timestamp) to count what a swap lost. */
    static final int FRAME_RING = 1024;

    /** One chart mark. framesLost: sequence numbers the sink never saw during a swap; null until known / not a swap. */
    public record Mark(long timeMillis, String kind, String text, Double swapMs, Long sequence, Long framesLost) {
    }

    /** Columns of samples, oldest first (NaN = no value that second), and the marks in that span. */
    public record Snapshot(long[] timeMillis, double[] fps, double[] p50, double[] p95, double[][] stages,
            double[] gaps, double[] cpu, double[] rssMb, List<Mark> marks) {
        public int size() {
            return timeMillis.length;
        }
    }

    private final int capacity;
    private final long[] time;
    private final double[] fps;
    private final double[] p50;
    private final double[] p95;
    private final double[] stageMs;
    private final double[] gaps;
    private final double[] cpu;
    private final double[] rss;
    private int next;
    private int size;

    // the second being filled
    private final double[] latencies = new double[LATENCIES_PER_SECOND];
    private final double[] sorted = new double[LATENCIES_PER_SECOND];
    private int latencyCount;
    private long frames;
    private final double[] stageSum = new double[STAGES];
    private long timed;
    private long gapCount;
    private long lastSequence = -1;

    // recent frames for a swap's continuity
    private final long[] ringSeq = new long[FRAME_RING];
    private final long[] ringTs = new long[FRAME_RING];
    private int ringNext;
    private int ringSize;

    private final Mark[] marks;
    private int markNext;
    private int markSize;

    /**
     * @param seconds  samples kept (900 = 15 min of 1 s samples)
     * @param maxMarks marks kept
     */
    public History(int seconds, int maxMarks) {
        if (seconds < 1 || maxMarks < 1) throw new IllegalArgumentException("history needs >= 1 sample and mark");
        capacity = seconds;
        time = new long[seconds];
        fps = new double[seconds];
        p50 = new double[seconds];
        p95 = new double[seconds];
        stageMs = new double[seconds * STAGES];
        gaps = new double[seconds];
        cpu = new double[seconds];
        rss = new double[seconds];
        marks = new Mark[maxMarks];
    }

    public int capacity() {
        return capacity;
    }

    /** Sink thread, once per result: O(1), allocates nothing. */
    public synchronized void record(FrameResult r) {
        frames++;
        long seq = r.sequence();
        if (lastSequence >= 0 && seq > lastSequence + 1) gapCount += seq - lastSequence - 1;
        lastSequence = seq;
        ringSeq[ringNext] = seq;
        ringTs[ringNext] = r.timestampMillis();
        ringNext = (ringNext + 1) % FRAME_RING;
        if (ringSize < FRAME_RING) ringSize++;
        Timings t = r.timings();
        if (t == null) return;
        latencies[(int) (timed % LATENCIES_PER_SECOND)] = t.totalMillis();
        if (latencyCount < LATENCIES_PER_SECOND) latencyCount++;
        stageSum[0] += t.decodeMillis();
        stageSum[1] += t.preprocessMillis();
        stageSum[2] += t.inferenceMillis();
        stageSum[3] += t.postprocessMillis();
        timed++;
    }

    /**
     * Closes the second that just ended into one sample.
     *
     * @param timeMillis wall-clock time of the sample
     * @param elapsedSeconds time since the previous sample (the ticker's own measure; fps = frames / elapsed)
     * @param cpuPercent process CPU in % of one core, negative = unknown
     * @param rssBytes   process resident memory, negative = unknown
     */
    public synchronized void sample(long timeMillis, double elapsedSeconds, double cpuPercent, long rssBytes) {
        int i = next;
        time[i] = timeMillis;
        fps[i] = elapsedSeconds > 0 ? frames / elapsedSeconds : Double.NaN;
        if (latencyCount > 0) {
            System.arraycopy(latencies, 0, sorted, 0, latencyCount);
            Arrays.sort(sorted, 0, latencyCount);
            p50[i] = nearestRank(latencyCount, 0.50);
            p95[i] = nearestRank(latencyCount, 0.95);
        } else {
            p50[i] = Double.NaN;
            p95[i] = Double.NaN;
        }
        for (int s = 0; s < STAGES; s++) stageMs[i * STAGES + s] = timed > 0 ? stageSum[s] / timed : Double.NaN;
        gaps[i] = gapCount;
        cpu[i] = cpuPercent >= 0 ? cpuPercent : Double.NaN;
        rss[i] = rssBytes >= 0 ? rssBytes / (1024.0 * 1024.0) : Double.NaN;
        next = (next + 1) % capacity;
        if (size < capacity) size++;
        frames = 0;
        timed = 0;
        latencyCount = 0;
        gapCount = 0;
        Arrays.fill(stageSum, 0);
        resolveSwaps();
    }

    private double nearestRank(int n, double q) {
        return sorted[Math.max(0, (int) Math.ceil(q * n) - 1)];
    }

    /** A model swap (MODEL event): its first frame's sequence and the measured swap time; frames lost follow. */
    public synchronized void swap(long timeMillis, String model, double swapMs, long firstSequence) {
        addMark(new Mark(timeMillis, "swap", model, swapMs, firstSequence, null));
        resolveSwaps();
    }

    /** Any other mark: a refused model, an OTA event. */
    public synchronized void mark(long timeMillis, String kind, String text) {
        addMark(new Mark(timeMillis, kind, text, null, null, null));
    }

    private void addMark(Mark m) {
        marks[markNext] = m;
        markNext = (markNext + 1) % marks.length;
        if (markSize < marks.length) markSize++;
    }

    /**
     * Swaps whose first frame reached the sink get their frames lost: sequence numbers missing between the frames
     * seen from the request (first frame's time - swap ms) up to the first frame of the new model.
     */
    private void resolveSwaps() {
        for (int k = 0; k < markSize; k++) {
            int idx = (markNext - 1 - k + marks.length) % marks.length;
            Mark m = marks[idx];
            if (m.sequence() == null || m.framesLost() != null) continue;
            Long lost = framesLost(m.sequence(), m.swapMs());
            if (lost != null)
                marks[idx] = new Mark(m.timeMillis(), m.kind(), m.text(), m.swapMs(), m.sequence(), lost);
        }
    }

    /** null while the first frame has not been seen (or is no longer in the ring). */
    private Long framesLost(long firstSequence, double swapMs) {
        int first = -1;
        for (int k = 0; k < ringSize; k++) {
            int idx = (ringNext - 1 - k + FRAME_RING) % FRAME_RING;
            if (ringSeq[idx] == firstSequence) {
                first = k;
                break;
            }
        }
        if (first < 0) return null;
        long from = ringTs[(ringNext - 1 - first + FRAME_RING) % FRAME_RING] - Math.round(swapMs);
        long lost = 0;
        for (int k = first; k + 1 < ringSize; k++) {
            int idx = (ringNext - 1 - k + FRAME_RING) % FRAME_RING;
            int prev = (idx - 1 + FRAME_RING) % FRAME_RING;
            if (ringSeq[prev] < ringSeq[idx] - 1) lost += ringSeq[idx] - ringSeq[prev] - 1;
            if (ringTs[prev] < from) break;
        }
        return lost;
    }

    /** The samples of the last {@code seconds} (clamped to 1..capacity) and the marks since the first of them. */
    public synchronized Snapshot snapshot(int seconds) {
        int n = Math.min(size, Math.max(1, Math.min(seconds, capacity)));
        long[] t = new long[n];
        double[] f = new double[n];
        double[] a = new double[n];
        double[] b = new double[n];
        double[][] st = new double[STAGES][n];
        double[] g = new double[n];
        double[] c = new double[n];
        double[] r = new double[n];
        for (int k = 0; k < n; k++) {
            int i = (next - n + k + capacity) % capacity;
            t[k] = time[i];
            f[k] = fps[i];
            a[k] = p50[i];
            b[k] = p95[i];
            for (int s = 0; s < STAGES; s++) st[s][k] = stageMs[i * STAGES + s];
            g[k] = gaps[i];
            c[k] = cpu[i];
            r[k] = rss[i];
        }
        long since = n == 0 ? Long.MIN_VALUE : t[0] - 1000;
        List<Mark> ms = new ArrayList<>();
        for (int k = markSize - 1; k >= 0; k--) {
            Mark m = marks[(markNext - 1 - k + marks.length) % marks.length];
            if (m.timeMillis() >= since) ms.add(m);
        }
        return new Snapshot(t, f, a, b, st, g, c, r, ms);
    }
}
