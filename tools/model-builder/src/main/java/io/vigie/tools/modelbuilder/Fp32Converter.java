package io.vigie.tools.modelbuilder;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.tensorflow.lite.schema.ActivationFunctionType;
import org.tensorflow.lite.schema.AddOptionsT;
import org.tensorflow.lite.schema.BufferT;
import org.tensorflow.lite.schema.BuiltinOperator;
import org.tensorflow.lite.schema.BuiltinOptionsUnion;
import org.tensorflow.lite.schema.Conv2DOptionsT;
import org.tensorflow.lite.schema.DepthwiseConv2DOptionsT;
import org.tensorflow.lite.schema.ModelT;
import org.tensorflow.lite.schema.OperatorCodeT;
import org.tensorflow.lite.schema.OperatorT;
import org.tensorflow.lite.schema.QuantizationParametersT;
import org.tensorflow.lite.schema.SubGraphT;
import org.tensorflow.lite.schema.TensorT;
import org.tensorflow.lite.schema.TensorType;

/**
 * Derives a float32 model from a toco-quantized (uint8, per-tensor or per-axis) TFLite model:
 * same graph, constants dequantized ({@code real = scale * (q - zeroPoint)}), activations float,
 * QUANTIZE/DEQUANTIZE ops that became identities removed, and fused ReLU/ReLU6 restored where the
 * quantized graph relied on the output range clamp instead.
 * <p>
 * Pure function of the input bytes (no time, no randomness, ordered iteration): same input bytes
 * give the same output bytes.
 */
public final class Fp32Converter {

    /** What the conversion did; the activation count is a cheap sanity check (43 for the Coral model). */
    public record Report(int constantsDequantized, int activationsMadeFloat, int activationsRestored,
            int relu6Restored, int reluRestored, int quantOpsRemoved, float inputMean, float inputStd) {
    }

    /** Output of {@link #convert(byte[])}. */
    public record Result(byte[] model, Report report) {
    }

    /** Range tolerance when deciding that a uint8 output range ends at 6. */
    private static final float RELU6_TOLERANCE = 0.05f;

    public Result convert(byte[] quantized) {
        ModelT model = ModelT.deserializeFromBinary(quantized);
        if (model.getSubgraphs() == null || model.getSubgraphs().length != 1)
            throw new IllegalArgumentException("expected exactly one subgraph");
        SubGraphT g = model.getSubgraphs()[0];
        TensorT[] tensors = g.getTensors();
        if (g.getInputs().length != 1)
            throw new IllegalArgumentException("expected one input tensor, got " + g.getInputs().length);
        TensorT input = tensors[g.getInputs()[0]];
        if (!isQuantized(input))
            throw new IllegalArgumentException("input tensor '" + input.getName() + "' is not quantized: nothing to do");
        float inScale = input.getQuantization().getScale()[0];
        long inZp = input.getQuantization().getZeroPoint()[0];
        // float input x' = scale * (q - zp) = (q - mean) / std
        float mean = inZp;
        float std = 1f / inScale;

        // 1. restore fused activations while the output ranges are still known
        int relu6 = 0, relu = 0;
        for (OperatorT op : g.getOperators()) {
            int code = builtinCode(model.getOperatorCodes()[(int) op.getOpcodeIndex()]);
            TensorT out = tensors[op.getOutputs()[0]];
            if (!isQuantized(out))
                continue;
            byte restored = inferActivation(out.getQuantization(), out.getType());
            if (restored == ActivationFunctionType.NONE)
                continue;
            if (setActivationIfNone(code, op.getBuiltinOptions(), restored)) {
                if (restored == ActivationFunctionType.RELU6)
                    relu6++;
                else
                    relu++;
            }
        }

        // 2. dequantize constants, make activations float
        int constants = 0, activations = 0;
        BufferT[] buffers = model.getBuffers();
        List<BufferT> newBuffers = new ArrayList<>(Arrays.asList(buffers));
        Map<Integer, QuantizationParametersT> bufferOwner = new HashMap<>();
        for (TensorT t : tensors) {
            if (!isQuantized(t)) {
                if (t.getQuantization() != null && empty(t.getQuantization().getScale()))
                    t.setQuantization(null);
                continue;
            }
            int b = (int) t.getBuffer();
            boolean constant = b > 0 && b < buffers.length && !empty(buffers[b].getData());
            if (constant) {
                float[] real = dequantize(bytesOf(buffers[b].getData()), t.getType(), t.getShape(), t.getQuantization());
                BufferT fb = new BufferT();
                fb.setData(toUnsignedInts(floatsToBytes(real)));
                if (bufferOwner.containsKey(b)) { // shared constant: give this tensor its own float copy
                    newBuffers.add(fb);
                    t.setBuffer(newBuffers.size() - 1);
                } else {
                    bufferOwner.put(b, t.getQuantization());
                    newBuffers.set(b, fb);
                }
                constants++;
            } else {
                activations++;
            }
            t.setType(TensorType.FLOAT32);
            t.setQuantization(null);
        }
        model.setBuffers(newBuffers.toArray(new BufferT[0]));

        // 3. QUANTIZE/DEQUANTIZE between float tensors are identities now: rewire and drop them
        List<OperatorT> kept = new ArrayList<>();
        int removed = 0;
        for (OperatorT op : g.getOperators()) {
            int code = builtinCode(model.getOperatorCodes()[(int) op.getOpcodeIndex()]);
            if ((code == BuiltinOperator.QUANTIZE || code == BuiltinOperator.DEQUANTIZE)
                    && tensors[op.getInputs()[0]].getType() == TensorType.FLOAT32
                    && tensors[op.getOutputs()[0]].getType() == TensorType.FLOAT32) {
                int from = op.getOutputs()[0], to = op.getInputs()[0];
                for (OperatorT other : g.getOperators())
                    replace(other.getInputs(), from, to);
                replace(g.getOutputs(), from, to);
                removed++;
            } else {
                kept.add(op);
            }
        }
        g.setOperators(kept.toArray(new OperatorT[0]));

        nullEmptyArrays(model);
        byte[] out = model.serializeToBinary();
        return new Result(out, new Report(constants, activations, relu6 + relu, relu6, relu, removed, mean, std));
    }

    /**
     * The activation a quantized op's output range implies. Quantized kernels clamp to the
     * representable range [min, max], which is how toco folds the activations: min 0 and max up to
     * 6 → RELU6 (for max < 6, as QAT learned for 3 Coral SSD extra layers, clamp(x, 0, 6) is the
     * fused activation closest to the quantized clamp(x, 0, max)); min 0, max above 6 → RELU;
     * otherwise NONE.
     */
    static byte inferActivation(QuantizationParametersT q, byte type) {
        if (q.getScale().length != 1)
            return ActivationFunctionType.NONE;
        float scale = q.getScale()[0];
        long zp = q.getZeroPoint().length > 0 ? q.getZeroPoint()[0] : 0;
        long qmin = type == TensorType.INT8 ? -128 : 0;
        long qmax = type == TensorType.INT8 ? 127 : 255;
        if (zp != qmin)
            return ActivationFunctionType.NONE; // real min is not 0
        float max = scale * (qmax - zp);
        return max <= 6f + RELU6_TOLERANCE ? ActivationFunctionType.RELU6 : ActivationFunctionType.RELU;
    }

    /** Sets the fused activation of conv/depthwise/add ops that have none; false for other ops. */
    private static boolean setActivationIfNone(int code, BuiltinOptionsUnion options, byte act) {
        if (options == null || options.getValue() == null)
            return false;
        Object o = options.getValue();
        if (code == BuiltinOperator.CONV_2D && o instanceof Conv2DOptionsT c) {
            if (c.getFusedActivationFunction() != ActivationFunctionType.NONE)
                return false;
            c.setFusedActivationFunction(act);
            return true;
        }
        if (code == BuiltinOperator.DEPTHWISE_CONV_2D && o instanceof DepthwiseConv2DOptionsT d) {
            if (d.getFusedActivationFunction() != ActivationFunctionType.NONE)
                return false;
            d.setFusedActivationFunction(act);
            return true;
        }
        if (code == BuiltinOperator.ADD && o instanceof AddOptionsT a) {
            if (a.getFusedActivationFunction() != ActivationFunctionType.NONE)
                return false;
            a.setFusedActivationFunction(act);
            return true;
        }
        return false;
    }

    /**
     * {@code real = scale[c] * (q - zeroPoint[c])}, with {@code c} the index along the quantized
     * dimension for per-axis quantization, 0 otherwise. {@code raw} is the little-endian buffer.
     */
    public static float[] dequantize(byte[] raw, byte type, int[] shape, QuantizationParametersT q) {
        float[] scale = q.getScale();
        long[] zp = q.getZeroPoint() == null || q.getZeroPoint().length == 0 ? new long[] { 0 } : q.getZeroPoint();
        int width = switch (type) {
            case TensorType.UINT8, TensorType.INT8 -> 1;
            case TensorType.INT16 -> 2;
            case TensorType.INT32 -> 4;
            default -> throw new IllegalArgumentException("cannot dequantize tensor type " + TensorType.name(type));
        };
        if (raw.length % width != 0)
            throw new IllegalArgumentException("buffer of " + raw.length + " bytes is not a multiple of " + width);
        int n = raw.length / width;
        int channels = scale.length;
        int stride = 1, dimSize = 1;
        if (channels > 1) {
            int d = q.getQuantizedDimension();
            dimSize = shape[d];
            for (int i = d + 1; i < shape.length; i++)
                stride *= shape[i];
            if (dimSize != channels)
                throw new IllegalArgumentException(channels + " scales for a dimension of size " + dimSize);
        }
        ByteBuffer bb = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            long v = switch (type) {
                case TensorType.UINT8 -> raw[i] & 0xFF;
                case TensorType.INT8 -> raw[i];
                case TensorType.INT16 -> bb.getShort(i * 2);
                default -> bb.getInt(i * 4);
            };
            int c = channels > 1 ? (i / stride) % dimSize : 0;
            long z = zp.length > 1 ? zp[c] : zp[0];
            out[i] = scale[c] * (v - z);
        }
        return out;
    }

    static int builtinCode(OperatorCodeT oc) {
        // old models only fill deprecated_builtin_code; newer ones fill both
        return Math.max(oc.getBuiltinCode(), oc.getDeprecatedBuiltinCode());
    }

    static boolean isQuantized(TensorT t) {
        QuantizationParametersT q = t.getQuantization();
        byte type = t.getType();
        return q != null && !empty(q.getScale())
                && (type == TensorType.UINT8 || type == TensorType.INT8 || type == TensorType.INT16
                        || type == TensorType.INT32);
    }

    /** The object API writes empty vectors for absent ones; TFLite then refuses or misreads the model. */
    private static void nullEmptyArrays(ModelT m) {
        for (BufferT b : m.getBuffers())
            if (b.getData() != null && b.getData().length == 0)
                b.setData(null);
        for (SubGraphT g : m.getSubgraphs()) {
            for (TensorT t : g.getTensors())
                if (t.getShapeSignature() != null && t.getShapeSignature().length == 0)
                    t.setShapeSignature(null);
            for (OperatorT op : g.getOperators()) {
                if (op.getCustomOptions() != null && op.getCustomOptions().length == 0)
                    op.setCustomOptions(null);
                if (op.getIntermediates() != null && op.getIntermediates().length == 0)
                    op.setIntermediates(null);
                if (op.getMutatingVariableInputs() != null && op.getMutatingVariableInputs().length == 0)
                    op.setMutatingVariableInputs(null);
            }
        }
    }

    private static void replace(int[] a, int from, int to) {
        if (a != null)
            for (int i = 0; i < a.length; i++)
                if (a[i] == from)
                    a[i] = to;
    }

    private static boolean empty(Object a) {
        if (a == null)
            return true;
        if (a instanceof int[] x)
            return x.length == 0;
        if (a instanceof float[] x)
            return x.length == 0;
        return false;
    }

    static byte[] bytesOf(int[] ubytes) {
        byte[] b = new byte[ubytes.length];
        for (int i = 0; i < b.length; i++)
            b[i] = (byte) ubytes[i];
        return b;
    }

    static int[] toUnsignedInts(byte[] b) {
        int[] u = new int[b.length];
        for (int i = 0; i < b.length; i++)
            u[i] = b[i] & 0xFF;
        return u;
    }

    static byte[] floatsToBytes(float[] f) {
        ByteBuffer bb = ByteBuffer.allocate(f.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        bb.asFloatBuffer().put(f);
        return bb.array();
    }
}
