package io.vigie.inference.core;

import java.util.Arrays;

/**
 * Greedy non-maximum suppression over one class. Works on primitive scratch arrays sized once
 * (number of anchors) so decoding a frame allocates nothing.
 */
public final class Nms {
    private final long[] keys;

    public Nms(int capacity) {
        if (capacity < 1) throw new IllegalArgumentException("capacity must be >= 1");
        keys = new long[capacity];
    }

    /**
     * @param boxes      N×4 (ymin, xmin, ymax, xmax)
     * @param cand       candidate box indices (into {@code boxes}), first {@code n} used
     * @param candScore  their scores (≥ 0), parallel to {@code cand}
     * @param iouThreshold a candidate overlapping a kept box by more than this is dropped
     * @param out        receives positions (into {@code cand}) of kept candidates, best first
     * @return number of kept candidates (≤ maxKeep)
     */
    public int suppress(float[] boxes, int[] cand, float[] candScore, int n, float iouThreshold, int maxKeep, int[] out) {
        if (n > keys.length) throw new IllegalArgumentException(n + " candidates > capacity " + keys.length);
        // Non-negative floats order like their int bits: pack (score, position) and sort once.
        for (int k = 0; k < n; k++) {
            float s = Math.max(0f, candScore[k]);
            keys[k] = ((long) Float.floatToIntBits(s) << 32) | k;
        }
        Arrays.sort(keys, 0, n);
        int kept = 0;
        for (int r = n - 1; r >= 0 && kept < maxKeep; r--) {
            int pos = (int) keys[r];
            int bi = cand[pos];
            boolean keep = true;
            for (int j = 0; j < kept; j++) {
                if (iou(boxes, bi, cand[out[j]]) > iouThreshold) {
                    keep = false;
                    break;
                }
            }
            if (keep) out[kept++] = pos;
        }
        return kept;
    }

    /** Intersection over union of boxes i and j of an N×4 (ymin, xmin, ymax, xmax) array. */
    public static float iou(float[] b, int i, int j) {
        int a = i * 4, c = j * 4;
        float areaA = Math.max(0, b[a + 2] - b[a]) * Math.max(0, b[a + 3] - b[a + 1]);
        float areaB = Math.max(0, b[c + 2] - b[c]) * Math.max(0, b[c + 3] - b[c + 1]);
        if (areaA <= 0 || areaB <= 0) return 0f;
        float ih = Math.min(b[a + 2], b[c + 2]) - Math.max(b[a], b[c]);
        float iw = Math.min(b[a + 3], b[c + 3]) - Math.max(b[a + 1], b[c + 1]);
        if (ih <= 0 || iw <= 0) return 0f;
        float inter = ih * iw;
        return inter / (areaA + areaB - inter);
    }
}
