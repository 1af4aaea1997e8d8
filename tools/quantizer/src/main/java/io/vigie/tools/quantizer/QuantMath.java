package io.vigie.tools.quantizer;

import java.util.ArrayList;
import java.util.List;

/**
 * The arithmetic of TFLite's int8 quantization spec
 * (https://www.tensorflow.org/lite/performance/quantization_spec): activations per-tensor
 * asymmetric int8 in [-128, 127], weights per-channel symmetric int8 in [-127, 127] with zero point
 * 0, biases int32 with scale = input scale × weight scale and zero point 0.
 */
public final class QuantMath {
    private QuantMath() {
    }

    /** scale and zero point of one tensor: real = scale * (q - zeroPoint). */
    public record Params(float scale, int zeroPoint) {
        public int quantize(float real) {
            return clamp(round(real / scale) + zeroPoint, -128, 127);
        }

        public float dequantize(int q) {
            return scale * (q - zeroPoint);
        }
    }

    /** Smallest scale handed out, so that an all-zero tensor still gets a valid (positive) scale. */
    static final float MIN_SCALE = 1e-8f;

    /**
     * Asymmetric int8 for a real range. The range is widened to contain 0 (the spec requires 0 to be
     * exactly representable: zero padding) and the zero point is nudged to an integer in [-128, 127].
     */
    public static Params activation(float min, float max) {
        if (!(min <= max) || Float.isInfinite(min) || Float.isInfinite(max))
            throw new IllegalArgumentException("bad range [" + min + ", " + max + "]");
        double lo = Math.min(min, 0f), hi = Math.max(max, 0f);
        if (hi - lo < MIN_SCALE * 255)
            return new Params(1f / 256f, -128); // constant 0: any scale represents it exactly
        float scale = (float) ((hi - lo) / 255.0);
        long zp = round(-128 - lo / scale);
        return new Params(scale, (int) Math.max(-128, Math.min(127, zp)));
    }

    /** Per-channel symmetric scales: scale[c] = max|w_c| / 127 (zero point 0). */
    public static float[] symmetricScales(float[] w, int[] shape, int axis) {
        int channels = shape[axis];
        int inner = 1;
        for (int i = axis + 1; i < shape.length; i++)
            inner *= shape[i];
        float[] maxAbs = new float[channels];
        for (int i = 0; i < w.length; i++) {
            int c = (i / inner) % channels;
            maxAbs[c] = Math.max(maxAbs[c], Math.abs(w[i]));
        }
        float[] s = new float[channels];
        for (int c = 0; c < channels; c++)
            s[c] = Math.max(maxAbs[c] / 127f, MIN_SCALE);
        return s;
    }

    /**
     * Per-channel scales chosen for the least squared weight error: candidates are max|w_c|/127
     * scaled down (clipping outliers trades their error for a finer step for all others) and, when
     * the tensor's values already lie on a uniform grid (a model dequantized from a quantized one,
     * e.g. a QAT model), that grid's step, which represents them exactly.
     */
    public static float[] mseScales(float[] w, int[] shape, int axis) {
        float[] base = symmetricScales(w, shape, axis);
        int channels = shape[axis];
        int inner = 1;
        for (int i = axis + 1; i < shape.length; i++)
            inner *= shape[i];
        float grid = gridStep(w);
        float[] best = base.clone();
        double[] bestErr = new double[channels];
        java.util.Arrays.fill(bestErr, Double.POSITIVE_INFINITY);
        List<Float> factors = new ArrayList<>();
        for (int k = 0; k <= 40; k++) factors.add(1f - k * 0.0125f); // 1.0 .. 0.5
        // values of each channel, gathered once
        int per = w.length / channels;
        float[][] vals = new float[channels][per];
        int[] fill = new int[channels];
        for (int i = 0; i < w.length; i++) {
            int c = (i / inner) % channels;
            vals[c][fill[c]++] = w[i];
        }
        for (int c = 0; c < channels; c++) {
            List<Float> cands = new ArrayList<>();
            if (grid > 0) cands.add(grid);
            for (float f : factors) cands.add(base[c] * f);
            for (float s : cands) {
                if (!(s >= MIN_SCALE)) continue;
                double err = 0;
                for (float v : vals[c]) {
                    double q = clamp(round(v / s), -127, 127) * (double) s - v;
                    err += q * q;
                }
                if (err < bestErr[c] - 1e-18) {
                    bestErr[c] = err;
                    best[c] = s;
                }
            }
        }
        return best;
    }

    /** The step of the uniform grid all values lie on (multiples of it), or 0 if there is none. */
    static float gridStep(float[] w) {
        float[] a = new float[w.length];
        int n = 0;
        for (float v : w) if (v != 0) a[n++] = Math.abs(v);
        if (n == 0) return 0;
        float[] s = java.util.Arrays.copyOf(a, n);
        java.util.Arrays.sort(s);
        float step = s[0];
        for (int i = 1; i < n; i++) {
            float d = s[i] - s[i - 1];
            if (d > step * 1e-3f && d < step) step = d;
        }
        for (int i = 0; i < n; i++) {
            double r = s[i] / step;
            if (Math.abs(r - Math.rint(r)) > 1e-3) return 0;
        }
        return step;
    }

    /** Quantizes along {@code axis} with the given per-channel scales, symmetric, in [-127, 127]. */
    public static byte[] quantizeSymmetric(float[] w, int[] shape, int axis, float[] scales) {
        int channels = shape[axis];
        int inner = 1;
        for (int i = axis + 1; i < shape.length; i++)
            inner *= shape[i];
        byte[] q = new byte[w.length];
        for (int i = 0; i < w.length; i++) {
            int c = (i / inner) % channels;
            q[i] = (byte) clamp(round(w[i] / scales[c]), -127, 127);
        }
        return q;
    }

    /**
     * Bias scales are {@code inputScale * weightScale[c]}. When a weight channel is (nearly) all
     * zero its scale is tiny and its bias would overflow int32: raise that weight scale until the
     * bias fits (the weights of that channel stay representable, they are ≈ 0).
     */
    public static float[] fitWeightScalesToBias(float[] weightScales, float[] bias, float inputScale) {
        float[] s = weightScales.clone();
        for (int c = 0; c < s.length; c++) {
            float b = Math.abs(bias[bias.length == 1 ? 0 : c]);
            float needed = (float) (b / ((double) inputScale * (Integer.MAX_VALUE / 2.0)));
            if (s[c] < needed)
                s[c] = needed;
        }
        return s;
    }

    /** int32 bias: round(b[c] / (inputScale * weightScale[c])). */
    public static int[] quantizeBias(float[] bias, float inputScale, float[] weightScales) {
        int[] q = new int[bias.length];
        for (int c = 0; c < bias.length; c++) {
            // the kernel sees the float32 scale stored in the model: quantize with exactly that one
            double s = (float) ((double) inputScale * weightScales[weightScales.length == 1 ? 0 : c]);
            long v = round(bias[c] / s);
            if (v > Integer.MAX_VALUE || v < Integer.MIN_VALUE)
                throw new IllegalStateException("bias " + bias[c] + " overflows int32 at scale " + s);
            q[c] = (int) v;
        }
        return q;
    }

    /** Bias scales for the quantization parameters of the bias tensor. */
    public static float[] biasScales(float inputScale, float[] weightScales) {
        float[] s = new float[weightScales.length];
        for (int c = 0; c < s.length; c++)
            s[c] = (float) ((double) inputScale * weightScales[c]);
        return s;
    }

    /** IEEE 754 binary16 → float (Java 17 has no Float.float16ToFloat). */
    public static float halfToFloat(short h) {
        int sign = (h >>> 15) & 1, exp = (h >>> 10) & 0x1F, mant = h & 0x3FF;
        float v;
        if (exp == 0) v = (float) (mant * Math.pow(2, -24)); // subnormal
        else if (exp == 31) v = mant == 0 ? Float.POSITIVE_INFINITY : Float.NaN;
        else v = Float.intBitsToFloat((exp - 15 + 127) << 23 | mant << 13);
        return sign == 1 ? -v : v;
    }

    /**
     * Rounds a calibrated range end outward to 12 significant bits. Float runs on different CPUs
     * (SIMD widths, FMA) may differ in the last bits; this keeps the quantized model byte-identical
     * across machines in practice, at ≤ 0.05 % of extra range.
     */
    public static float outward(float v, boolean up) {
        if (v == 0 || Float.isNaN(v) || Float.isInfinite(v)) return v;
        double step = Math.scalb(1.0, Math.getExponent(v) - 11);
        double q = v / step;
        return (float) ((up ? Math.ceil(q) : Math.floor(q)) * step);
    }

    /** Round half away from zero, as TFLite's quantizer does (Math.round rounds half up). */
    static long round(double x) {
        return x < 0 ? -Math.round(-x) : Math.round(x);
    }

    static int clamp(long v, int lo, int hi) {
        return (int) Math.max(lo, Math.min(hi, v));
    }
}
