package io.vigie.tools.quantizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import org.tensorflow.lite.schema.BufferT;
import org.tensorflow.lite.schema.BuiltinOperator;
import org.tensorflow.lite.schema.ModelT;
import org.tensorflow.lite.schema.OperatorCodeT;
import org.tensorflow.lite.schema.OperatorT;
import org.tensorflow.lite.schema.SubGraphT;
import org.tensorflow.lite.schema.TensorT;
import org.tensorflow.lite.schema.TensorType;

/**
 * Post-training full-integer quantization of a float32 TFLite model, following TFLite's int8
 * spec: per-channel symmetric int8 weights (scale per channel chosen for the least squared error, exact
 * for weights already on a quantization grid; CONV_2D axis 0, DEPTHWISE_CONV_2D axis 3,
 * FULLY_CONNECTED axis 0), int32 biases (scale = input scale × weight scale), per-tensor asymmetric
 * int8 activations from calibrated ranges, the parameter constraints of TFLite's int8 kernels
 * (RESHAPE/CONCATENATION/pooling inputs and outputs share one scale and zero point; LOGISTIC and
 * SOFTMAX output 1/256, -128), int8 or uint8 (+ QUANTIZE) model input, and DEQUANTIZE in front of
 * float consumers: the TFLite_Detection_PostProcess custom op (its int8 path fails at Invoke in
 * TFLite 2.2x; anchors stay float) and the model outputs (raw-output models keep float outputs).
 * <p>
 * Float16 constants behind a DEQUANTIZE (fp16-weight models such as MediaPipe's) are folded to
 * float32 first. Deterministic: no time, randomness or hash-ordered iteration; same model bytes,
 * frames and options give the same bytes.
 */
public final class Int8Quantizer {

    public enum Method {
        MINMAX, PERCENTILE
    }

    /** @param mean,std the model's float input is (pixel - mean) / std */
    public record Options(Method method, double percentile, boolean uint8Input, float mean, float std, int threads) {
        public static Options defaults() {
            return new Options(Method.MINMAX, 0.9999, false, 128f, 128f, 2);
        }
    }

    public record Report(int frames, int activations, int weightsPerChannel, int biases, int sharedGroups,
            int dequantizeInserted, int fp16Folded, Map<String, Integer> ops) {
    }

    public record Result(byte[] model, Report report) {
    }

    static final String POSTPROCESS = "TFLite_Detection_PostProcess";

    /** Ops the rewrite knows (their int8 kernels and parameter constraints). */
    static final Map<Integer, Integer> INT8_VERSION = new LinkedHashMap<>();
    static {
        INT8_VERSION.put(BuiltinOperator.CONV_2D, 3);
        INT8_VERSION.put(BuiltinOperator.DEPTHWISE_CONV_2D, 3);
        INT8_VERSION.put(BuiltinOperator.FULLY_CONNECTED, 4);
        INT8_VERSION.put(BuiltinOperator.ADD, 2);
        INT8_VERSION.put(BuiltinOperator.MUL, 2);
        INT8_VERSION.put(BuiltinOperator.CONCATENATION, 2);
        INT8_VERSION.put(BuiltinOperator.RESHAPE, 1);
        INT8_VERSION.put(BuiltinOperator.SQUEEZE, 1);
        INT8_VERSION.put(BuiltinOperator.LOGISTIC, 2);
        INT8_VERSION.put(BuiltinOperator.SOFTMAX, 2);
        INT8_VERSION.put(BuiltinOperator.AVERAGE_POOL_2D, 2);
        INT8_VERSION.put(BuiltinOperator.MAX_POOL_2D, 2);
        INT8_VERSION.put(BuiltinOperator.RELU, 2);
        INT8_VERSION.put(BuiltinOperator.RELU6, 2);
        INT8_VERSION.put(BuiltinOperator.PAD, 2);
        INT8_VERSION.put(BuiltinOperator.QUANTIZE, 2);
        INT8_VERSION.put(BuiltinOperator.DEQUANTIZE, 2);
    }

    private final Options options;

    public Int8Quantizer(Options options) {
        this.options = options;
    }

    /** The float model checked and prepared (fp16 folded), with the tensors to calibrate. */
    public static final class Prepared {
        final ModelT model;
        final SubGraphT g;
        final int[] observed; // activation tensors recorded during calibration
        final int fp16Folded;

        Prepared(ModelT model, int[] observed, int fp16Folded) {
            this.model = model;
            this.g = model.getSubgraphs()[0];
            this.observed = observed;
            this.fp16Folded = fp16Folded;
        }

        /** Input height, width. */
        public int[] inputSize() {
            int[] s = g.getTensors()[g.getInputs()[0]].getShape();
            return new int[] { s[1], s[2] };
        }

        /** A copy of the float model whose outputs are the observed tensors. */
        byte[] calibrationModel() {
            ModelT copy = ModelT.deserializeFromBinary(serialize(model));
            copy.getSubgraphs()[0].setOutputs(observed.clone());
            copy.setSignatureDefs(null);
            return serialize(copy);
        }
    }

    /** Checks the float model and prepares it; throws {@link QuantizationException} on bad input. */
    public static Prepared prepare(byte[] floatModel) {
        if (floatModel.length < 8 || floatModel[4] != 'T' || floatModel[5] != 'F' || floatModel[6] != 'L' || floatModel[7] != '3')
            throw new QuantizationException("not a TFLite model (no TFL3 file identifier)");
        ModelT model;
        try {
            model = ModelT.deserializeFromBinary(floatModel);
        } catch (RuntimeException e) {
            throw new QuantizationException("not a readable TFLite model: " + e);
        }
        if (model.getSubgraphs() == null || model.getSubgraphs().length != 1)
            throw new QuantizationException("expected exactly one subgraph, model has "
                    + (model.getSubgraphs() == null ? 0 : model.getSubgraphs().length));
        SubGraphT g = model.getSubgraphs()[0];
        TensorT[] tensors = g.getTensors();
        if (g.getInputs().length != 1)
            throw new QuantizationException("expected one input tensor (an image), model has " + g.getInputs().length);
        TensorT input = tensors[g.getInputs()[0]];
        if (input.getType() != TensorType.FLOAT32)
            throw new QuantizationException("model input '" + input.getName() + "' is " + TensorType.name(input.getType())
                    + ", not float32: the model is already quantized");
        int[] s = input.getShape();
        if (s.length != 4 || s[0] != 1 || s[3] != 3)
            throw new QuantizationException("model input must be an image [1,H,W,3], is " + Arrays.toString(s));
        for (TensorT t : tensors) {
            byte ty = t.getType();
            if ((ty == TensorType.INT8 || ty == TensorType.UINT8 || ty == TensorType.INT16) && t.getQuantization() != null
                    && t.getQuantization().getScale() != null && t.getQuantization().getScale().length > 0)
                throw new QuantizationException("tensor '" + t.getName() + "' is already quantized ("
                        + TensorType.name(ty) + "): the input must be a float model");
        }
        // unsupported ops, all named at once
        TreeSet<String> unsupported = new TreeSet<>();
        for (OperatorT op : g.getOperators()) {
            OperatorCodeT oc = model.getOperatorCodes()[(int) op.getOpcodeIndex()];
            int code = code(oc);
            if (code == BuiltinOperator.CUSTOM) {
                if (!POSTPROCESS.equals(oc.getCustomCode())) unsupported.add("custom " + oc.getCustomCode());
            } else if (code == BuiltinOperator.DEQUANTIZE) {
                if (!isConstant(model, tensors[op.getInputs()[0]]) || tensors[op.getInputs()[0]].getType() != TensorType.FLOAT16)
                    unsupported.add("DEQUANTIZE (other than of a float16 constant)");
            } else if (!INT8_VERSION.containsKey(code) || code == BuiltinOperator.QUANTIZE) {
                unsupported.add(BuiltinOperator.name(code));
            }
        }
        if (!unsupported.isEmpty())
            throw new QuantizationException("unsupported ops: " + String.join(", ", unsupported));

        int folded = foldFp16(model);
        tensors = g.getTensors();
        // observed: float activations (not constants), except the post-process outputs and the input
        boolean[] skip = new boolean[tensors.length];
        skip[g.getInputs()[0]] = true;
        for (OperatorT op : g.getOperators())
            if (code(model.getOperatorCodes()[(int) op.getOpcodeIndex()]) == BuiltinOperator.CUSTOM)
                for (int o : op.getOutputs()) skip[o] = true;
        TreeSet<Integer> obs = new TreeSet<>();
        for (OperatorT op : g.getOperators())
            for (int o : op.getOutputs())
                if (!skip[o] && tensors[o].getType() == TensorType.FLOAT32 && !isConstant(model, tensors[o])) obs.add(o);
        return new Prepared(model, obs.stream().mapToInt(Integer::intValue).toArray(), folded);
    }

    /** Calibrates on {@code frames} (RGB uint8 at the model input size) and quantizes. */
    public Result quantize(byte[] floatModel, List<byte[]> frames) {
        if (frames.isEmpty()) throw new QuantizationException("calibration set is empty");
        Prepared p = prepare(floatModel);
        Calibrator.Stats[] stats = Calibrator.run(p.calibrationModel(), frames, options.mean(), options.std(),
                options.threads(), options.method() == Method.PERCENTILE);
        Map<Integer, float[]> ranges = new HashMap<>();
        for (int i = 0; i < p.observed.length; i++) {
            Calibrator.Stats st = stats[i];
            float[] r = options.method() == Method.PERCENTILE ? st.percentileRange(options.percentile())
                    : new float[] { st.min, st.max };
            ranges.put(p.observed[i], new float[] { QuantMath.outward(r[0], false), QuantMath.outward(r[1], true) });
        }
        return rewrite(p, ranges, frames.size());
    }

    /** The int8 rewrite from calibrated ranges (tensor index → [min, max]): the steps of {@link Int8Rewrite}. */
    Result rewrite(Prepared p, Map<Integer, float[]> ranges, int frames) {
        return new Int8Rewrite(options, p).run(ranges, frames);
    }

    // ---- graph helpers

    static int code(OperatorCodeT oc) {
        return Math.max(oc.getBuiltinCode(), oc.getDeprecatedBuiltinCode());
    }

    static boolean isConstant(ModelT m, TensorT t) {
        int b = (int) t.getBuffer();
        return b > 0 && b < m.getBuffers().length && m.getBuffers()[b].getData() != null
                && m.getBuffers()[b].getData().length > 0;
    }

    static float[] floats(ModelT m, TensorT t) {
        int[] d = m.getBuffers()[(int) t.getBuffer()].getData();
        if (t.getType() != TensorType.FLOAT32)
            throw new QuantizationException("tensor '" + t.getName() + "' is " + TensorType.name(t.getType())
                    + ", expected float32");
        float[] f = new float[d.length / 4];
        for (int i = 0; i < f.length; i++)
            f[i] = Float.intBitsToFloat((d[4 * i] & 0xFF) | (d[4 * i + 1] & 0xFF) << 8 | (d[4 * i + 2] & 0xFF) << 16
                    | (d[4 * i + 3] & 0xFF) << 24);
        return f;
    }

    static float[] minMax(float[] v) {
        float lo = Float.POSITIVE_INFINITY, hi = Float.NEGATIVE_INFINITY;
        for (float x : v) {
            lo = Math.min(lo, x);
            hi = Math.max(hi, x);
        }
        return v.length == 0 ? new float[] { 0, 0 } : new float[] { lo, hi };
    }

    /** DEQUANTIZE(float16 constant) → a float32 constant; the op is dropped. */
    private static int foldFp16(ModelT m) {
        SubGraphT g = m.getSubgraphs()[0];
        List<OperatorT> kept = new ArrayList<>();
        int folded = 0;
        for (OperatorT op : g.getOperators()) {
            if (code(m.getOperatorCodes()[(int) op.getOpcodeIndex()]) != BuiltinOperator.DEQUANTIZE) {
                kept.add(op);
                continue;
            }
            TensorT src = g.getTensors()[op.getInputs()[0]];
            TensorT dst = g.getTensors()[op.getOutputs()[0]];
            BufferT b = m.getBuffers()[(int) src.getBuffer()];
            int[] d = b.getData();
            int[] f = new int[d.length * 2];
            for (int i = 0; i < d.length / 2; i++) {
                float v = QuantMath.halfToFloat((short) ((d[2 * i] & 0xFF) | (d[2 * i + 1] & 0xFF) << 8));
                int bits = Float.floatToRawIntBits(v);
                for (int k = 0; k < 4; k++) f[4 * i + k] = (bits >>> (8 * k)) & 0xFF;
            }
            b.setData(f); // the fp16 buffer now holds the float32 values, owned by the output tensor
            dst.setBuffer(src.getBuffer());
            src.setBuffer(0);
            folded++;
        }
        g.setOperators(kept.toArray(new OperatorT[0]));
        return folded;
    }

    /** Serializes with empty vectors nulled (the object API writes them; TFLite then refuses the model). */
    static byte[] serialize(ModelT m) {
        for (BufferT b : m.getBuffers())
            if (b.getData() != null && b.getData().length == 0) b.setData(null);
        for (SubGraphT g : m.getSubgraphs()) {
            for (TensorT t : g.getTensors())
                if (t.getShapeSignature() != null && t.getShapeSignature().length == 0) t.setShapeSignature(null);
            for (OperatorT op : g.getOperators()) {
                if (op.getCustomOptions() != null && op.getCustomOptions().length == 0) op.setCustomOptions(null);
                if (op.getIntermediates() != null && op.getIntermediates().length == 0) op.setIntermediates(null);
                if (op.getMutatingVariableInputs() != null && op.getMutatingVariableInputs().length == 0)
                    op.setMutatingVariableInputs(null);
            }
        }
        return m.serializeToBinary();
    }
}
