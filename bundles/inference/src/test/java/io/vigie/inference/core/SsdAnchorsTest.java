package io.vigie.inference.core;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class SsdAnchorsTest {
    @Test
    void ssdMobileNet300Has1917AnchorsInGridOrder() {
        float[] a = SsdAnchors.ssdMobileNet300().generate();
        assertEquals(1917 * 4, a.length);
        // first cell of the 19x19 layer: centre (0.5/19, 0.5/19), first box scale 0.1 ratio 1
        assertEquals(0.5f / 19, a[0], 1e-6);
        assertEquals(0.5f / 19, a[1], 1e-6);
        assertEquals(0.1f, a[2], 1e-6);
        assertEquals(0.1f, a[3], 1e-6);
        // second box: scale 0.2, ratio 2 -> h = 0.2/sqrt2, w = 0.2*sqrt2
        assertEquals(0.2f / (float) Math.sqrt(2), a[6], 1e-6);
        assertEquals(0.2f * (float) Math.sqrt(2), a[7], 1e-6);
        // last anchor: 1x1 layer, centre 0.5, interpolated scale sqrt(0.95*1.0), ratio 1
        int last = (1917 - 1) * 4;
        assertEquals(0.5f, a[last], 1e-6);
        assertEquals(0.5f, a[last + 1], 1e-6);
        assertEquals((float) Math.sqrt(0.95), a[last + 2], 1e-5);
        // layer boundaries: 19*19*3 = 1083 anchors in the first layer; the next starts on a 10x10 grid
        assertEquals(0.05f, a[1083 * 4], 1e-6);
        for (int i = 0; i < 1917; i++) {
            assertTrue(a[i * 4 + 2] > 0 && a[i * 4 + 3] > 0);
        }
    }

    @Test
    void scaleInterpolation() {
        assertEquals(0.2f, SsdAnchors.scale(0.2f, 0.95f, 0, 6), 1e-6);
        assertEquals(0.95f, SsdAnchors.scale(0.2f, 0.95f, 5, 6), 1e-6);
        assertEquals(0.575f, SsdAnchors.scale(0.2f, 0.95f, 0, 1), 1e-6);
    }
}
