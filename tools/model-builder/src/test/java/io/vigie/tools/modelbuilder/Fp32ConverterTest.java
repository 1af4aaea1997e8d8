package io.vigie.tools.modelbuilder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.junit.jupiter.api.Test;
import org.tensorflow.lite.schema.ActivationFunctionType;
import org.tensorflow.lite.schema.BuiltinOperator;
import org.tensorflow.lite.schema.ModelT;
import org.tensorflow.lite.schema.OperatorCodeT;
import org.tensorflow.lite.schema.QuantizationParametersT;
import org.tensorflow.lite.schema.SubGraphT;
import org.tensorflow.lite.schema.TensorT;
import org.tensorflow.lite.schema.TensorType;

class Fp32ConverterTest {

    private static QuantizationParametersT q(float[] scale, long[] zp, int dim) {
        QuantizationParametersT q = new QuantizationParametersT();
        q.setScale(scale);
        q.setZeroPoint(zp);
        q.setQuantizedDimension(dim);
        return q;
    }

    @Test
    void dequantizeUint8PerTensor() {
        byte[] raw = { 0, (byte) 128, (byte) 255, 10 };
        float[] f = Fp32Converter.dequantize(raw, TensorType.UINT8, new int[] { 4 },
                q(new float[] { 0.5f }, new long[] { 128 }, 0));
        assertArrayEquals(new float[] { -64f, 0f, 63.5f, -59f }, f);
    }

    @Test
    void dequantizeInt32Bias() {
        ByteBuffer bb = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        bb.putInt(-1000).putInt(0).putInt(123456);
        float[] f = Fp32Converter.dequantize(bb.array(), TensorType.INT32, new int[] { 3 },
                q(new float[] { 0.001f }, new long[] { 0 }, 0));
        assertArrayEquals(new float[] { -1f, 0f, 123.456f }, f, 1e-5f);
    }

    @Test
    void dequantizeInt8PerAxis() {
        // shape [2,3], axis 0: row 0 scale 1 zp 0, row 1 scale 0.25 zp -4
        byte[] raw = { -1, 0, 1, -4, 0, 4 };
        float[] f = Fp32Converter.dequantize(raw, TensorType.INT8, new int[] { 2, 3 },
                q(new float[] { 1f, 0.25f }, new long[] { 0, -4 }, 0));
        assertArrayEquals(new float[] { -1f, 0f, 1f, 0f, 1f, 2f }, f);
    }

    @Test
    void dequantizeRejectsFloat() {
        assertThrows(IllegalArgumentException.class, () -> Fp32Converter.dequantize(new byte[4], TensorType.FLOAT32,
                new int[] { 1 }, q(new float[] { 1f }, new long[] { 0 }, 0)));
    }

    @Test
    void activationFromRange() {
        assertEquals(ActivationFunctionType.RELU6,
                Fp32Converter.inferActivation(q(new float[] { 6f / 255 }, new long[] { 0 }, 0), TensorType.UINT8));
        // [0, 4.38]: a learned QAT range below 6 - RELU6 is the closest fused clamp
        assertEquals(ActivationFunctionType.RELU6,
                Fp32Converter.inferActivation(q(new float[] { 4.38f / 255 }, new long[] { 0 }, 0), TensorType.UINT8));
        assertEquals(ActivationFunctionType.RELU,
                Fp32Converter.inferActivation(q(new float[] { 0.1f }, new long[] { 0 }, 0), TensorType.UINT8));
        assertEquals(ActivationFunctionType.NONE,
                Fp32Converter.inferActivation(q(new float[] { 0.1f }, new long[] { 120 }, 0), TensorType.UINT8));
        assertEquals(ActivationFunctionType.RELU6,
                Fp32Converter.inferActivation(q(new float[] { 6f / 255 }, new long[] { -128 }, 0), TensorType.INT8));
    }

    @Test
    void coralModelConversion() throws IOException {
        Fp32Converter.Result r = CoralModels.fp32();
        Fp32Converter.Report rep = r.report();
        assertEquals(43, rep.activationsRestored(), rep.toString());
        assertEquals(43, rep.relu6Restored(), rep.toString());
        assertEquals(128f, rep.inputMean());
        assertEquals(128f, rep.inputStd());

        ModelT m = ModelT.deserializeFromBinary(r.model());
        SubGraphT g = m.getSubgraphs()[0];
        TensorT in = g.getTensors()[g.getInputs()[0]];
        assertEquals(TensorType.FLOAT32, in.getType());
        assertArrayEquals(new int[] { 1, 300, 300, 3 }, in.getShape());
        int postprocess = 0;
        for (TensorT t : g.getTensors())
            if (t.getType() == TensorType.UINT8 || t.getType() == TensorType.INT8)
                throw new AssertionError("quantized tensor left: " + t.getName());
        for (OperatorCodeT oc : m.getOperatorCodes())
            if ("TFLite_Detection_PostProcess".equals(oc.getCustomCode()))
                postprocess++;
            else if (Fp32Converter.builtinCode(oc) == BuiltinOperator.QUANTIZE)
                throw new AssertionError("QUANTIZE left");
        assertEquals(1, postprocess);
    }

    /**
     * The FP32 model's identity is its sha256: it may only change when the converter is changed on
     * purpose (then update this value and say so in the commit).
     */
    static final String EXPECTED_FP32_SHA256 = "de1c96bc057857904109c23a8ef37943f90d65fa97ab9e1645b1e81c12020551";

    @Test
    void fp32BytesArePinned() throws IOException {
        assertEquals(EXPECTED_FP32_SHA256, Sha256.hex(CoralModels.fp32().model()));
    }

    @Test
    void deterministic() throws IOException {
        byte[] again = new Fp32Converter().convert(CoralModels.coral()).model();
        assertArrayEquals(CoralModels.fp32().model(), again);
    }
}
