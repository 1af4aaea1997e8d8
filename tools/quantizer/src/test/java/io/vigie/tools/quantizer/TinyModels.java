package io.vigie.tools.quantizer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.tensorflow.lite.schema.ActivationFunctionType;
import org.tensorflow.lite.schema.AddOptionsT;
import org.tensorflow.lite.schema.BufferT;
import org.tensorflow.lite.schema.BuiltinOperator;
import org.tensorflow.lite.schema.BuiltinOptions;
import org.tensorflow.lite.schema.BuiltinOptionsUnion;
import org.tensorflow.lite.schema.ConcatenationOptionsT;
import org.tensorflow.lite.schema.Conv2DOptionsT;
import org.tensorflow.lite.schema.DepthwiseConv2DOptionsT;
import org.tensorflow.lite.schema.ModelT;
import org.tensorflow.lite.schema.OperatorCodeT;
import org.tensorflow.lite.schema.OperatorT;
import org.tensorflow.lite.schema.Padding;
import org.tensorflow.lite.schema.ReshapeOptionsT;
import org.tensorflow.lite.schema.SubGraphT;
import org.tensorflow.lite.schema.TensorT;
import org.tensorflow.lite.schema.TensorType;

/**
 * Generated float models for tests: an 8×8×3 image through CONV_2D(ReLU6) → DEPTHWISE_CONV_2D →
 * ADD (residual) → 1×1 CONV_2D, two RESHAPEs into a CONCATENATION and a LOGISTIC: every op kind
 * and parameter constraint of the SSD head, small enough to compare op by op.
 */
final class TinyModels {
    /** Tensor indices of the op outputs, in op order. */
    static final int[] OP_OUTPUTS = { 1, 2, 3, 4, 5, 6, 7, 8 };

    private final List<TensorT> tensors = new ArrayList<>();
    private final List<BufferT> buffers = new ArrayList<>();
    private final List<OperatorCodeT> codes = new ArrayList<>();
    private final List<OperatorT> ops = new ArrayList<>();
    private final Random rnd = new Random(42);

    private TinyModels() {
        buffers.add(new BufferT()); // buffer 0: the empty sentinel
    }

    /** The generated float model; {@code extraOp} (e.g. TANH) appended after the logistic if >= 0. */
    static byte[] model(int extraOp) {
        TinyModels m = new TinyModels();
        int in = m.act("input", 1, 8, 8, 3);                 // 0
        int t1 = m.act("conv1", 1, 8, 8, 4);                 // 1
        int t2 = m.act("dw", 1, 8, 8, 4);                    // 2
        int t3 = m.act("add", 1, 8, 8, 4);                   // 3
        int t4 = m.act("conv2", 1, 8, 8, 2);                 // 4
        int t5 = m.act("reshape_a", 1, 128);                 // 5
        int t6 = m.act("reshape_b", 1, 256);                 // 6
        int t7 = m.act("concat", 1, 384);                    // 7
        int t8 = m.act("logistic", 1, 384);                  // 8
        float[] w2c = m.randoms(2 * 4, 0.5f);
        for (int i = 4; i < 8; i++) w2c[i] *= 0.01f;         // second output channel ~100x smaller: per-channel scales matter
        Conv2DOptionsT c1 = new Conv2DOptionsT();
        c1.setPadding(Padding.SAME); c1.setStrideW(1); c1.setStrideH(1); c1.setDilationWFactor(1); c1.setDilationHFactor(1);
        c1.setFusedActivationFunction(ActivationFunctionType.RELU6);
        m.op(BuiltinOperator.CONV_2D, BuiltinOptions.Conv2DOptions, c1,
                new int[] { in, m.constant("w1", m.randoms(4 * 3 * 3 * 3, 0.4f), 4, 3, 3, 3),
                        m.constant("b1", m.randoms(4, 0.2f), 4) }, t1);
        DepthwiseConv2DOptionsT d = new DepthwiseConv2DOptionsT();
        d.setPadding(Padding.SAME); d.setStrideW(1); d.setStrideH(1); d.setDepthMultiplier(1);
        d.setDilationWFactor(1); d.setDilationHFactor(1);
        m.op(BuiltinOperator.DEPTHWISE_CONV_2D, BuiltinOptions.DepthwiseConv2DOptions, d,
                new int[] { t1, m.constant("w_dw", m.randoms(3 * 3 * 4, 0.5f), 1, 3, 3, 4),
                        m.constant("b_dw", m.randoms(4, 0.1f), 4) }, t2);
        m.op(BuiltinOperator.ADD, BuiltinOptions.AddOptions, new AddOptionsT(), new int[] { t1, t2 }, t3);
        Conv2DOptionsT c2 = new Conv2DOptionsT();
        c2.setPadding(Padding.VALID); c2.setStrideW(1); c2.setStrideH(1); c2.setDilationWFactor(1); c2.setDilationHFactor(1);
        m.op(BuiltinOperator.CONV_2D, BuiltinOptions.Conv2DOptions, c2,
                new int[] { t3, m.constant("w2", w2c, 2, 1, 1, 4), m.constant("b2", new float[] { 0.1f, -0.002f }, 2) }, t4);
        ReshapeOptionsT ra = new ReshapeOptionsT();
        ra.setNewShape(new int[] { 1, 128 });
        m.op(BuiltinOperator.RESHAPE, BuiltinOptions.ReshapeOptions, ra, new int[] { t4, m.shape("shape_a", 1, 128) }, t5);
        ReshapeOptionsT rb = new ReshapeOptionsT();
        rb.setNewShape(new int[] { 1, 256 });
        m.op(BuiltinOperator.RESHAPE, BuiltinOptions.ReshapeOptions, rb, new int[] { t3, m.shape("shape_b", 1, 256) }, t6);
        ConcatenationOptionsT cc = new ConcatenationOptionsT();
        cc.setAxis(1);
        m.op(BuiltinOperator.CONCATENATION, BuiltinOptions.ConcatenationOptions, cc, new int[] { t5, t6 }, t7);
        m.op(BuiltinOperator.LOGISTIC, BuiltinOptions.NONE, null, new int[] { t7 }, t8);
        int out = t8;
        if (extraOp >= 0) {
            out = m.act("extra", 1, 384);
            m.op(extraOp, BuiltinOptions.NONE, null, new int[] { t8 }, out);
        }

        ModelT model = new ModelT();
        model.setVersion(3);
        model.setOperatorCodes(m.codes.toArray(new OperatorCodeT[0]));
        model.setBuffers(m.buffers.toArray(new BufferT[0]));
        SubGraphT g = new SubGraphT();
        g.setTensors(m.tensors.toArray(new TensorT[0]));
        g.setOperators(m.ops.toArray(new OperatorT[0]));
        g.setInputs(new int[] { in });
        g.setOutputs(new int[] { out });
        g.setName("main");
        model.setSubgraphs(new SubGraphT[] { g });
        model.setDescription("vigie quantizer test model");
        return Int8Quantizer.serialize(model);
    }

    /** A copy of {@code model} whose outputs are the given tensors (to read intermediate results). */
    static byte[] withOutputs(byte[] model, int[] outputs) {
        ModelT m = ModelT.deserializeFromBinary(model);
        m.getSubgraphs()[0].setOutputs(outputs);
        return Int8Quantizer.serialize(m);
    }

    /** Deterministic pseudo-images with some structure (gradients + noise), w×h RGB. */
    static List<byte[]> frames(int n, int w, int h, long seed) {
        Random r = new Random(seed);
        List<byte[]> out = new ArrayList<>();
        for (int f = 0; f < n; f++) {
            byte[] b = new byte[w * h * 3];
            int base = r.nextInt(256);
            for (int i = 0; i < b.length; i++)
                b[i] = (byte) Math.max(0, Math.min(255, base + (i % (w * 3)) - w + r.nextInt(81) - 40));
            out.add(b);
        }
        return out;
    }

    private int act(String name, int... shape) {
        TensorT t = new TensorT();
        t.setName(name);
        t.setShape(shape);
        t.setType(TensorType.FLOAT32);
        t.setBuffer(0);
        tensors.add(t);
        return tensors.size() - 1;
    }

    private int constant(String name, float[] v, int... shape) {
        ByteBuffer bb = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        bb.asFloatBuffer().put(v);
        return constBytes(name, bb.array(), TensorType.FLOAT32, shape);
    }

    private int shape(String name, int... dims) {
        ByteBuffer bb = ByteBuffer.allocate(dims.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        bb.asIntBuffer().put(dims);
        return constBytes(name, bb.array(), TensorType.INT32, dims.length);
    }

    private int constBytes(String name, byte[] data, byte type, int... shape) {
        int[] u = new int[data.length];
        for (int i = 0; i < u.length; i++) u[i] = data[i] & 0xFF;
        BufferT b = new BufferT();
        b.setData(u);
        buffers.add(b);
        TensorT t = new TensorT();
        t.setName(name);
        t.setShape(shape);
        t.setType(type);
        t.setBuffer(buffers.size() - 1);
        tensors.add(t);
        return tensors.size() - 1;
    }

    private float[] randoms(int n, float amp) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = (float) (rnd.nextGaussian() * amp);
        return f;
    }

    private void op(int builtin, byte optType, Object options, int[] inputs, int output) {
        int idx = -1;
        for (int i = 0; i < codes.size(); i++) if (codes.get(i).getBuiltinCode() == builtin) idx = i;
        if (idx < 0) {
            OperatorCodeT oc = new OperatorCodeT();
            oc.setBuiltinCode(builtin);
            oc.setDeprecatedBuiltinCode((byte) builtin);
            oc.setVersion(1);
            codes.add(oc);
            idx = codes.size() - 1;
        }
        OperatorT op = new OperatorT();
        op.setOpcodeIndex(idx);
        op.setInputs(inputs);
        op.setOutputs(new int[] { output });
        BuiltinOptionsUnion u = new BuiltinOptionsUnion();
        u.setType(optType);
        u.setValue(options);
        op.setBuiltinOptions(u);
        ops.add(op);
    }
}
