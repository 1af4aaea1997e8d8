package io.vigie.tools.quantizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.tensorflow.lite.schema.BuiltinOperator;
import org.tensorflow.lite.schema.ModelT;
import org.tensorflow.lite.schema.SubGraphT;
import org.tensorflow.lite.schema.TensorT;
import org.tensorflow.lite.schema.TensorType;

/** The generated model quantized and run in TFLite next to its float original, op by op. */
class TinyModelQuantizationTest {
    private static final Int8Quantizer.Options OPTS = new Int8Quantizer.Options(Int8Quantizer.Method.MINMAX, 0.9999, false,
            128f, 128f, 1);

    @Test
    void everyOpOutputMatchesTheFloatModelWithinAFewQuantizationSteps() {
        byte[] f32 = TinyModels.model(-1);
        List<byte[]> calib = TinyModels.frames(32, 8, 8, 1);
        byte[] i8 = new Int8Quantizer(OPTS).quantize(f32, calib).model();
        String[] names = { "conv1", "dw", "add", "conv2", "reshape_a", "reshape_b", "concat", "logistic" };
        try (TfliteRun f = new TfliteRun(TinyModels.withOutputs(f32, TinyModels.OP_OUTPUTS));
                TfliteRun q = new TfliteRun(TinyModels.withOutputs(i8, TinyModels.OP_OUTPUTS))) {
            // frames inside the calibrated ranges: this checks the arithmetic, not range clipping
            for (byte[] frame : calib.subList(0, 8)) {
                float[][] a = f.run(frame, 128f, 128f);
                float[][] b = q.run(frame, 128f, 128f);
                for (int o = 0; o < a.length; o++) {
                    float scale = q.outputScale(o);
                    double maxErr = 0, sumErr = 0;
                    for (int i = 0; i < a[o].length; i++) {
                        double e = Math.abs(a[o][i] - b[o][i]);
                        maxErr = Math.max(maxErr, e);
                        sumErr += e;
                    }
                    double mean = sumErr / a[o].length;
                    String msg = String.format("%s: max |err| %.5f, mean %.5f, scale %.5f", names[o], maxErr, mean, scale);
                    // errors add up along the graph: a few steps at most, half a step on average
                    assertTrue(maxErr <= 4 * scale, msg);
                    assertTrue(mean <= 0.75 * scale, msg);
                }
            }
        }
    }

    @Test
    void rewrittenGraphFollowsTheInt8Spec() {
        byte[] i8 = new Int8Quantizer(OPTS).quantize(TinyModels.model(-1), TinyModels.frames(16, 8, 8, 1)).model();
        ModelT m = ModelT.deserializeFromBinary(i8);
        SubGraphT g = m.getSubgraphs()[0];
        TensorT[] t = g.getTensors();
        TensorT in = t[g.getInputs()[0]];
        assertEquals(TensorType.INT8, in.getType());
        assertEquals(1f / 128f, in.getQuantization().getScale()[0], 0f);
        assertEquals(0, in.getQuantization().getZeroPoint()[0]);
        TensorT w1 = byName(t, "w1"), b1 = byName(t, "b1"), dw = byName(t, "w_dw"), conv1 = byName(t, "conv1");
        assertEquals(TensorType.INT8, w1.getType());
        assertEquals(4, w1.getQuantization().getScale().length, "per-channel conv weights");
        assertEquals(0, w1.getQuantization().getQuantizedDimension());
        assertEquals(3, dw.getQuantization().getQuantizedDimension(), "depthwise weights quantized along axis 3");
        assertEquals(4, dw.getQuantization().getScale().length);
        for (long zp : w1.getQuantization().getZeroPoint()) assertEquals(0, zp, "symmetric weights");
        assertEquals(TensorType.INT32, b1.getType());
        for (int c = 0; c < 4; c++)
            assertEquals(in.getQuantization().getScale()[0] * w1.getQuantization().getScale()[c],
                    b1.getQuantization().getScale()[c], 1e-12, "bias scale = input scale x weight scale");
        TensorT dwBias = byName(t, "b_dw");
        for (int c = 0; c < 4; c++)
            assertEquals(conv1.getQuantization().getScale()[0] * dw.getQuantization().getScale()[c],
                    dwBias.getQuantization().getScale()[c], 1e-12);
        // shared parameters: reshape in/out and every concat input/output
        TensorT concat = byName(t, "concat");
        for (String s : new String[] { "conv2", "reshape_a", "reshape_b", "add" }) {
            assertEquals(concat.getQuantization().getScale()[0], byName(t, s).getQuantization().getScale()[0], 0f, s);
            assertEquals(concat.getQuantization().getZeroPoint()[0], byName(t, s).getQuantization().getZeroPoint()[0], s);
        }
        TensorT logistic = byName(t, "logistic");
        assertEquals(1f / 256f, logistic.getQuantization().getScale()[0], 0f);
        assertEquals(-128, logistic.getQuantization().getZeroPoint()[0]);
        // the model output stays float behind a DEQUANTIZE
        assertEquals(TensorType.FLOAT32, t[g.getOutputs()[0]].getType());
        int last = (int) g.getOperators()[g.getOperators().length - 1].getOpcodeIndex();
        assertEquals(BuiltinOperator.DEQUANTIZE, Int8Quantizer.code(m.getOperatorCodes()[last]));
    }

    @Test
    void uint8InputGetsAQuantizeOp() throws Exception {
        Int8Quantizer.Options u8 = new Int8Quantizer.Options(Int8Quantizer.Method.MINMAX, 0.9999, true, 128f, 128f, 1);
        byte[] f32 = TinyModels.model(-1);
        byte[] i8 = new Int8Quantizer(u8).quantize(f32, TinyModels.frames(16, 8, 8, 1)).model();
        ModelT m = ModelT.deserializeFromBinary(i8);
        SubGraphT g = m.getSubgraphs()[0];
        TensorT in = g.getTensors()[g.getInputs()[0]];
        assertEquals(TensorType.UINT8, in.getType());
        assertEquals(128, in.getQuantization().getZeroPoint()[0]);
        assertEquals(BuiltinOperator.QUANTIZE,
                Int8Quantizer.code(m.getOperatorCodes()[(int) g.getOperators()[0].getOpcodeIndex()]));
        byte[] frame = TinyModels.frames(16, 8, 8, 1).get(3);
        try (TfliteRun f = new TfliteRun(f32); TfliteRun q = new TfliteRun(i8)) {
            float[] a = f.run(frame, 128f, 128f)[0], b = q.run(frame, 128f, 128f)[0];
            for (int i = 0; i < a.length; i++) assertEquals(a[i], b[i], 4 / 256f, "logistic output " + i);
        }
    }

    @Test
    void deterministicSameInputsSameBytes() {
        byte[] f32 = TinyModels.model(-1);
        byte[] a = new Int8Quantizer(OPTS).quantize(f32, TinyModels.frames(16, 8, 8, 1)).model();
        byte[] b = new Int8Quantizer(OPTS).quantize(f32, TinyModels.frames(16, 8, 8, 1)).model();
        assertArrayEquals(a, b);
        Int8Quantizer.Options pct = new Int8Quantizer.Options(Int8Quantizer.Method.PERCENTILE, 0.999, false, 128f, 128f, 1);
        byte[] c = new Int8Quantizer(pct).quantize(f32, TinyModels.frames(16, 8, 8, 1)).model();
        byte[] d = new Int8Quantizer(pct).quantize(f32, TinyModels.frames(16, 8, 8, 1)).model();
        assertArrayEquals(c, d);
        assertTrue(!java.util.Arrays.equals(a, c), "percentile clipping changes the ranges");
    }

    @Test
    void badInputsAreRefusedWithAClearMessage() {
        Int8Quantizer q = new Int8Quantizer(OPTS);
        List<byte[]> calib = TinyModels.frames(4, 8, 8, 1);
        QuantizationException notTflite = assertThrows(QuantizationException.class,
                () -> q.quantize("this is not a model at all".getBytes(), calib));
        assertTrue(notTflite.getMessage().contains("not a TFLite model"), notTflite.getMessage());
        byte[] once = q.quantize(TinyModels.model(-1), calib).model();
        QuantizationException twice = assertThrows(QuantizationException.class, () -> q.quantize(once, calib));
        assertTrue(twice.getMessage().contains("already quantized"), twice.getMessage());
        QuantizationException op = assertThrows(QuantizationException.class,
                () -> q.quantize(TinyModels.model(BuiltinOperator.TANH), calib));
        assertTrue(op.getMessage().contains("unsupported ops: TANH"), op.getMessage());
        QuantizationException empty = assertThrows(QuantizationException.class,
                () -> q.quantize(TinyModels.model(-1), List.of()));
        assertTrue(empty.getMessage().contains("empty"), empty.getMessage());
    }

    private static TensorT byName(TensorT[] t, String name) {
        for (TensorT x : t) if (name.equals(x.getName())) return x;
        throw new AssertionError("no tensor " + name);
    }
}
