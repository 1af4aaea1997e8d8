package io.vigie.tools.quantizer;

import java.util.Arrays;
import java.util.List;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.tensorflowlite.BuiltinOpResolver;
import org.bytedeco.tensorflowlite.BuiltinOpResolverWithoutDefaultDelegates;
import org.bytedeco.tensorflowlite.FlatBufferModel;
import org.bytedeco.tensorflowlite.Interpreter;
import org.bytedeco.tensorflowlite.InterpreterBuilder;
import org.bytedeco.tensorflowlite.TfLiteTensor;

/**
 * Records activation ranges by running the float model in TFLite itself: the model handed in has
 * every tensor to observe among its subgraph outputs, so one Invoke per frame exposes them all.
 * min/max in a first pass; for percentile calibration a second pass fills a histogram per tensor
 * over that range and the tails beyond the percentile are clipped.
 */
final class Calibrator {
    static final int BINS = 2048;

    /** Range statistics of one observed tensor. */
    static final class Stats {
        float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
        long[] hist;
        long count;

        void add(float[] v, int n) {
            for (int i = 0; i < n; i++) {
                float x = v[i];
                if (x < min) min = x;
                if (x > max) max = x;
            }
            count += n;
        }

        void addHist(float[] v, int n) {
            if (hist == null) hist = new long[BINS];
            float w = (max - min) / BINS;
            if (!(w > 0)) {
                hist[0] += n;
                return;
            }
            for (int i = 0; i < n; i++) {
                int b = (int) ((v[i] - min) / w);
                hist[b < 0 ? 0 : b >= BINS ? BINS - 1 : b]++;
            }
        }

        /** [lo, hi] keeping {@code p} of the mass on each side that is not at 0 (e.g. 0.9999). */
        float[] percentileRange(double p) {
            if (hist == null) return new float[] { min, max };
            long total = Arrays.stream(hist).sum();
            double w = (double) (max - min) / BINS;
            long tail = (long) Math.floor(total * (1 - p));
            float lo = min, hi = max;
            long acc = 0;
            for (int b = BINS - 1; b >= 0; b--) {
                if (acc + hist[b] > tail) {
                    hi = (float) (min + (b + 1) * w);
                    break;
                }
                acc += hist[b];
            }
            acc = 0;
            for (int b = 0; b < BINS; b++) {
                if (acc + hist[b] > tail) {
                    lo = (float) (min + b * w);
                    break;
                }
                acc += hist[b];
            }
            return new float[] { Math.max(lo, min), Math.min(hi, max) };
        }
    }

    private Calibrator() {
    }

    /**
     * Runs {@code model} (float input (pixel - mean) / std, outputs = the observed tensors in
     * order) on every frame; returns one Stats per output.
     */
    static Stats[] run(byte[] model, List<byte[]> frames, float mean, float std, int threads, boolean histograms) {
        BytePointer bytes = new BytePointer(model.length);
        bytes.put(model);
        FlatBufferModel fb = FlatBufferModel.VerifyAndBuildFromBuffer(bytes, model.length);
        if (fb == null || fb.isNull()) {
            bytes.close();
            throw new QuantizationException("TFLite refused the float model (calibration copy)");
        }
        // -Dvigie.quantizer.xnnpack=false: TFLite's own kernels (other float rounding; a check of
        // how much the calibration depends on the CPU's float path)
        BuiltinOpResolver resolver = Boolean.parseBoolean(System.getProperty("vigie.quantizer.xnnpack", "true"))
                ? new BuiltinOpResolver() : new BuiltinOpResolverWithoutDefaultDelegates();
        InterpreterBuilder builder = new InterpreterBuilder(fb, resolver);
        builder.SetNumThreads(threads);
        Interpreter it = new Interpreter((Pointer) null);
        try {
            if (builder.apply(it) != 0 || it.isNull() || it.AllocateTensors() != 0)
                throw new QuantizationException("TFLite could not build an interpreter for the float model");
            int nOut = (int) it.outputs().limit();
            Stats[] stats = new Stats[nOut];
            for (int i = 0; i < nOut; i++) stats[i] = new Stats();
            int maxElems = 0;
            for (int i = 0; i < nOut; i++) maxElems = (int) Math.max(maxElems, it.output_tensor(i).bytes() / 4);
            float[] buf = new float[maxElems];
            TfLiteTensor in = it.input_tensor(0);
            float[] input = new float[(int) (in.bytes() / 4)];
            for (int pass = 0; pass < (histograms ? 2 : 1); pass++) {
                for (byte[] rgb : frames) {
                    if (rgb.length != input.length)
                        throw new IllegalArgumentException("frame of " + rgb.length + " values for an input of " + input.length);
                    for (int i = 0; i < input.length; i++) input[i] = ((rgb[i] & 0xFF) - mean) / std;
                    new FloatPointer(in.data().raw()).put(input);
                    if (it.Invoke() != 0) throw new QuantizationException("TFLite Invoke failed on the float model");
                    for (int o = 0; o < nOut; o++) {
                        TfLiteTensor t = it.output_tensor(o);
                        int n = (int) (t.bytes() / 4);
                        new FloatPointer(t.data().raw()).get(buf, 0, n);
                        if (pass == 0) stats[o].add(buf, n);
                        else stats[o].addHist(buf, n);
                    }
                }
            }
            return stats;
        } finally {
            it.close();
            builder.close();
            resolver.close();
            fb.close();
            bytes.close();
        }
    }
}
