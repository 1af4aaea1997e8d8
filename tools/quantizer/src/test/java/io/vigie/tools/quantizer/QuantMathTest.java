package io.vigie.tools.quantizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class QuantMathTest {

    @Test
    void asymmetricActivationCoversTheRangeWithZeroExact() {
        QuantMath.Params p = QuantMath.activation(-1f, 3f);
        assertEquals(4f / 255f, p.scale(), 1e-7);
        // zero point: q = -128 maps to -1 → zp = -128 + 1/scale = -64.25 → -64
        assertEquals(-64, p.zeroPoint());
        assertEquals(0f, p.dequantize(p.quantize(0f)), 0f, "0 must be exact (padding)");
        assertEquals(-1f, p.dequantize(-128), p.scale());
        assertEquals(3f, p.dequantize(127), p.scale());
    }

    @Test
    void reluRangeGetsZeroPointMinus128AndRangeIsWidenedToZero() {
        QuantMath.Params relu6 = QuantMath.activation(0f, 6f);
        assertEquals(-128, relu6.zeroPoint());
        assertEquals(6f / 255f, relu6.scale(), 1e-7);
        QuantMath.Params positive = QuantMath.activation(2f, 4f); // widened to [0, 4]
        assertEquals(-128, positive.zeroPoint());
        assertEquals(4f / 255f, positive.scale(), 1e-7);
        QuantMath.Params negative = QuantMath.activation(-5f, -1f); // widened to [-5, 0]
        assertEquals(127, negative.zeroPoint());
        QuantMath.Params zero = QuantMath.activation(0f, 0f);
        assertTrue(zero.scale() > 0);
        assertThrows(IllegalArgumentException.class, () -> QuantMath.activation(1f, 0f));
        assertThrows(IllegalArgumentException.class, () -> QuantMath.activation(Float.NaN, 1f));
    }

    @Test
    void perChannelSymmetricWeightsAlongAxis0AndAxis3() {
        // conv weights [O=2, 1, 1, I=2]: channel 0 max 2, channel 1 max 0.5
        float[] w = { 2f, -1f, 0.25f, -0.5f };
        float[] s0 = QuantMath.symmetricScales(w, new int[] { 2, 1, 1, 2 }, 0);
        assertArrayEquals(new float[] { 2f / 127, 0.5f / 127 }, s0, 1e-9f);
        assertArrayEquals(new byte[] { 127, -64, 64, -127 }, QuantMath.quantizeSymmetric(w, new int[] { 2, 1, 1, 2 }, 0, s0));
        // depthwise weights [1, 1, 2, C=2]: channels interleave along the last axis
        float[] dw = { 1f, 0.1f, -4f, 0.05f };
        float[] s3 = QuantMath.symmetricScales(dw, new int[] { 1, 1, 2, 2 }, 3);
        assertArrayEquals(new float[] { 4f / 127, 0.1f / 127 }, s3, 1e-9f);
        assertArrayEquals(new byte[] { 32, 127, -127, 64 }, QuantMath.quantizeSymmetric(dw, new int[] { 1, 1, 2, 2 }, 3, s3));
    }

    @Test
    void biasScaleIsInputScaleTimesWeightScale() {
        float in = 0.02f;
        float[] ws = { 0.01f, 0.003f };
        float[] bs = QuantMath.biasScales(in, ws);
        assertEquals(0.0002f, bs[0], 1e-10);
        assertEquals(0.00006f, bs[1], 1e-11);
        int[] q = QuantMath.quantizeBias(new float[] { 0.1f, -0.03f }, in, ws);
        assertArrayEquals(new int[] { 500, -500 }, q);
    }

    @Test
    void allZeroWeightChannelStillFitsItsBiasInInt32() {
        float[] ws = QuantMath.symmetricScales(new float[] { 0f, 0f }, new int[] { 2, 1, 1, 1 }, 0);
        float[] fitted = QuantMath.fitWeightScalesToBias(ws, new float[] { 50f, 0f }, 0.01f);
        int[] q = QuantMath.quantizeBias(new float[] { 50f, 0f }, 0.01f, fitted);
        assertEquals(50f, q[0] * 0.01f * fitted[0], 1e-3, "bias still represented");
        assertTrue(Math.abs((long) q[0]) < Integer.MAX_VALUE);
        assertThrows(IllegalStateException.class, () -> QuantMath.quantizeBias(new float[] { 50f }, 0.01f, ws));
    }

    @Test
    void weightsAlreadyOnAGridAreRepresentedExactly() {
        // a dequantized uint8 tensor: s0 * (q - zp), zp 130, q in [5, 250] -> offsets -125..120
        float s0 = 0.0123f;
        float[] w = new float[64];
        for (int i = 0; i < w.length; i++) w[i] = s0 * ((i * 37) % 246 + 5 - 130);
        int[] shape = { 2, 1, 1, 32 };
        assertEquals(s0, QuantMath.gridStep(w), s0 * 1e-4);
        float[] s = QuantMath.mseScales(w, shape, 0);
        byte[] q = QuantMath.quantizeSymmetric(w, shape, 0, s);
        for (int i = 0; i < w.length; i++) assertEquals(w[i], q[i] * s[i / 32], 1e-6, "weight " + i);
        assertEquals(0f, QuantMath.gridStep(new float[] { 0.1f, 0.2f, 0.35f, 0.31f }), "no grid");
    }

    @Test
    void mseScaleClipsAnOutlierWhenThatLowersTheError() {
        float[] w = new float[101];
        for (int i = 0; i < 100; i++) w[i] = (float) Math.sin(i * 1.3) * 0.1f;
        w[100] = 1.5f; // one outlier: max|w|/127 would waste most levels
        float[] s = QuantMath.mseScales(w, new int[] { 1, 101 }, 0);
        float naive = QuantMath.symmetricScales(w, new int[] { 1, 101 }, 0)[0];
        assertTrue(s[0] <= naive, s[0] + " vs " + naive);
        double eBest = 0, eNaive = 0;
        for (float v : w) {
            eBest += Math.pow(QuantMath.clamp(QuantMath.round(v / s[0]), -127, 127) * s[0] - v, 2);
            eNaive += Math.pow(QuantMath.clamp(QuantMath.round(v / naive), -127, 127) * naive - v, 2);
        }
        assertTrue(eBest <= eNaive, eBest + " vs " + eNaive);
    }

    @Test
    void rangeEndsRoundOutwardTo12Bits() {
        float v = 5.8301234f;
        float up = QuantMath.outward(v, true), down = QuantMath.outward(-v, false);
        assertTrue(up >= v && up - v <= v / 2048, up + " vs " + v);
        assertEquals(-up, down, 0f);
        assertEquals(up, QuantMath.outward(Math.nextUp(v), true), 0f, "last-bit differences vanish");
        assertEquals(0f, QuantMath.outward(0f, true), 0f);
        assertEquals(6f, QuantMath.outward(6f, true), 0f);
    }

    @Test
    void halfFloats() {
        assertEquals(1f, QuantMath.halfToFloat((short) 0x3C00));
        assertEquals(-2f, QuantMath.halfToFloat((short) 0xC000));
        assertEquals(65504f, QuantMath.halfToFloat((short) 0x7BFF));
        assertEquals((float) Math.pow(2, -24), QuantMath.halfToFloat((short) 0x0001));
        assertEquals(0.333251953125f, QuantMath.halfToFloat((short) 0x3555));
    }
}
