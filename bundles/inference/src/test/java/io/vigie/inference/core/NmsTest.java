package io.vigie.inference.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class NmsTest {
    @Test
    void iouOfKnownBoxes() {
        float[] b = { 0, 0, 1, 1, 0, 0.5f, 1, 1.5f, 2, 2, 3, 3 };
        assertEquals(1f, Nms.iou(b, 0, 0), 1e-6);
        assertEquals(0.5f / 1.5f, Nms.iou(b, 0, 1), 1e-6); // half overlap
        assertEquals(0f, Nms.iou(b, 0, 2), 1e-6); // disjoint
    }

    @Test
    void keepsBestAndDropsOverlapsAboveThreshold() {
        // box0 and box1 overlap 0.81 (IoU), box2 elsewhere, box3 overlaps box0 by 1/3
        float[] b = { 0, 0, 1, 1, 0, 0, 0.9f, 0.9f, 2, 2, 3, 3, 0, 0.5f, 1, 1.5f };
        int[] cand = { 0, 1, 2, 3 };
        float[] score = { 0.8f, 0.9f, 0.3f, 0.7f };
        int[] out = new int[4];
        int k = new Nms(4).suppress(b, cand, score, 4, 0.6f, 10, out);
        assertEquals(3, k);
        // best first: box1 (0.9), box3 (0.7; IoU with box1 < 0.6), box2 (0.3); box0 suppressed by box1
        assertArrayEquals(new int[] { 1, 3, 2 }, java.util.Arrays.copyOf(out, k));
    }

    @Test
    void respectsMaxKeepAndLowThreshold() {
        float[] b = { 0, 0, 1, 1, 0, 0.5f, 1, 1.5f, 2, 2, 3, 3 };
        int[] out = new int[3];
        assertEquals(2, new Nms(3).suppress(b, new int[] { 0, 1, 2 }, new float[] { 0.5f, 0.6f, 0.1f }, 3, 0.3f, 10, out));
        assertArrayEquals(new int[] { 1, 2 }, java.util.Arrays.copyOf(out, 2));
        assertEquals(1, new Nms(3).suppress(b, new int[] { 0, 1, 2 }, new float[] { 0.5f, 0.6f, 0.1f }, 3, 0.9f, 1, out));
        assertEquals(1, out[0]);
    }
}
