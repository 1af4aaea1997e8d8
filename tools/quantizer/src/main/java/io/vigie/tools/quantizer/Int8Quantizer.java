package io.vigie.tools.quantizer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

import org.tensorflow.lite.schema.BufferT;
import org.tensorflow.lite.schema.BuiltinOperator;
import org.tensorflow.lite.schema.BuiltinOptionsUnion;
import org.tensorflow.lite.schema.ModelT;
import org.tensorflow.lite.schema.OperatorCodeT;
import org.tensorflow.lite.schema.OperatorT;
import org.tensorflow.lite.schema.QuantizationParametersT;
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
    private static final Map<Integer, Integer> INT8_VERSION = new LinkedHashMap<>();
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

    /** Ops whose int8 kernel requires output params == input params (first input; all inputs for CONCATENATION). */
    private static boolean sharesParams(int code) {
        return code == BuiltinOperator.RESHAPE || code == BuiltinOperator.SQUEEZE || code == BuiltinOperator.CONCATENATION
                || code == BuiltinOperator.MAX_POOL_2D || code == BuiltinOperator.AVERAGE_POOL_2D
                || code == BuiltinOperator.PAD;
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

    /** The int8 rewrite from calibrated ranges (tensor index → [min, max]). */
    Result rewrite(Prepared p, Map<Integer, float[]> ranges, int frames) {
        ModelT model = p.model;
        SubGraphT g = p.g;
        List<TensorT> tensors = new ArrayList<>(Arrays.asList(g.getTensors()));
        List<BufferT> buffers = new ArrayList<>(Arrays.asList(model.getBuffers()));
        List<OperatorCodeT> codes = new ArrayList<>(Arrays.asList(model.getOperatorCodes()));
        OperatorT[] ops = g.getOperators();
        int n = tensors.size();
        int input = g.getInputs()[0];

        // 1. which float tensors become int8 activations
        boolean[] act = new boolean[n];
        for (int t : ranges.keySet()) act[t] = true;
        act[input] = true;
        Map<Integer, QuantMath.Params> fixed = new HashMap<>();
        fixed.put(input, new QuantMath.Params(1f / options.std(), Math.round(options.mean()) - 128));
        for (OperatorT op : ops) {
            int c = code(codes.get((int) op.getOpcodeIndex()));
            if (c == BuiltinOperator.LOGISTIC || c == BuiltinOperator.SOFTMAX)
                fixed.put(op.getOutputs()[0], new QuantMath.Params(1f / 256f, -128));
        }

        // 2. groups of tensors that must share params (union-find over tensor indices)
        int[] parent = new int[n];
        for (int i = 0; i < n; i++) parent[i] = i;
        for (OperatorT op : ops) {
            int c = code(codes.get((int) op.getOpcodeIndex()));
            if (!sharesParams(c)) continue;
            int out = op.getOutputs()[0];
            int[] ins = c == BuiltinOperator.CONCATENATION ? op.getInputs() : new int[] { op.getInputs()[0] };
            for (int in : ins) {
                if (!act[in] && tensors.get(in).getType() == TensorType.FLOAT32) act[in] = true; // a float constant joins the group
                union(parent, in, out);
            }
        }
        Map<Integer, float[]> groupRange = new HashMap<>();
        Map<Integer, QuantMath.Params> groupFixed = new HashMap<>();
        int groups = 0;
        for (int t = 0; t < n; t++) {
            if (!act[t]) continue;
            int r = find(parent, t);
            float[] range = ranges.get(t);
            if (range == null && isConstant(model, tensors.get(t))) range = minMax(floats(model, tensors.get(t)));
            if (range != null) {
                float[] acc = groupRange.get(r);
                groupRange.put(r, acc == null ? range.clone()
                        : new float[] { Math.min(acc[0], range[0]), Math.max(acc[1], range[1]) });
            }
            QuantMath.Params f = fixed.get(t);
            if (f != null) {
                QuantMath.Params prev = groupFixed.put(r, f);
                if (prev != null && !prev.equals(f))
                    throw new QuantizationException("tensor '" + tensors.get(t).getName()
                            + "' needs two different fixed quantizations (shared-parameter group)");
            }
        }
        for (int t = 0; t < n; t++) if (act[t] && find(parent, t) != t) groups++;

        QuantMath.Params[] params = new QuantMath.Params[n];
        for (int t = 0; t < n; t++) {
            if (!act[t]) continue;
            int r = find(parent, t);
            QuantMath.Params f = groupFixed.get(r);
            if (f != null) params[t] = f;
            else {
                float[] range = groupRange.get(r);
                if (range == null)
                    throw new QuantizationException("no calibrated range for tensor '" + tensors.get(t).getName() + "'");
                params[t] = QuantMath.activation(range[0], range[1]);
            }
        }

        // 3. weights and biases
        int weights = 0, biases = 0;
        boolean[] constDone = new boolean[n];
        int[] bufferUse = new int[buffers.size()];
        for (TensorT t : tensors) bufferUse[(int) t.getBuffer()]++;
        for (OperatorT op : ops) {
            int c = code(codes.get((int) op.getOpcodeIndex()));
            if (c != BuiltinOperator.CONV_2D && c != BuiltinOperator.DEPTHWISE_CONV_2D && c != BuiltinOperator.FULLY_CONNECTED)
                continue;
            int[] in = op.getInputs();
            int axis = c == BuiltinOperator.DEPTHWISE_CONV_2D ? 3 : 0;
            TensorT wt = tensors.get(in[1]);
            if (!isConstant(model, wt) || wt.getType() != TensorType.FLOAT32)
                throw new QuantizationException(BuiltinOperator.name(c) + " with non-constant weights '" + wt.getName() + "'");
            if (constDone[in[1]])
                throw new QuantizationException("weights '" + wt.getName() + "' shared by several ops: not supported");
            float inScale = params[in[0]].scale();
            float[] w = floats(model, wt);
            float[] ws = QuantMath.mseScales(w, wt.getShape(), axis);
            float[] bias = null;
            if (in.length > 2 && in[2] >= 0) {
                TensorT bt = tensors.get(in[2]);
                if (!isConstant(model, bt) || constDone[in[2]])
                    throw new QuantizationException("bias '" + bt.getName() + "' is not a constant of its own");
                bias = floats(model, bt);
                ws = QuantMath.fitWeightScalesToBias(ws, bias, inScale);
            }
            setData(model, buffers, bufferUse, wt, QuantMath.quantizeSymmetric(w, wt.getShape(), axis, ws));
            wt.setType(TensorType.INT8);
            wt.setQuantization(quant(ws, new long[ws.length], axis));
            constDone[in[1]] = true;
            weights++;
            if (bias != null) {
                TensorT bt = tensors.get(in[2]);
                int[] qb = QuantMath.quantizeBias(bias, inScale, ws);
                ByteBuffer bb = ByteBuffer.allocate(qb.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                bb.asIntBuffer().put(qb);
                setData(model, buffers, bufferUse, bt, bb.array());
                bt.setType(TensorType.INT32);
                bt.setQuantization(quant(QuantMath.biasScales(inScale, ws), new long[ws.length], 0));
                constDone[in[2]] = true;
                biases++;
            }
        }

        // 4. activations (and float constants that joined them) become int8
        int activations = 0;
        for (int t = 0; t < n; t++) {
            if (!act[t]) continue;
            TensorT tt = tensors.get(t);
            if (isConstant(model, tt)) {
                float[] v = floats(model, tt);
                byte[] q = new byte[v.length];
                for (int i = 0; i < v.length; i++) q[i] = (byte) params[t].quantize(v[i]);
                setData(model, buffers, bufferUse, tt, q);
            } else {
                activations++;
            }
            tt.setType(TensorType.INT8);
            tt.setQuantization(quant(new float[] { params[t].scale() }, new long[] { params[t].zeroPoint() }, 0));
        }
        // remaining float constants read by int8 builtin ops (e.g. an ADD with a constant): per-tensor int8
        for (OperatorT op : ops) {
            int c = code(codes.get((int) op.getOpcodeIndex()));
            if (c == BuiltinOperator.CUSTOM) continue;
            for (int in : op.getInputs()) {
                if (in < 0 || constDone[in] || act[in]) continue;
                TensorT tt = tensors.get(in);
                if (tt.getType() != TensorType.FLOAT32 || !isConstant(model, tt)) continue;
                float[] v = floats(model, tt);
                float[] r = minMax(v);
                QuantMath.Params pr = QuantMath.activation(r[0], r[1]);
                byte[] q = new byte[v.length];
                for (int i = 0; i < v.length; i++) q[i] = (byte) pr.quantize(v[i]);
                setData(model, buffers, bufferUse, tt, q);
                tt.setType(TensorType.INT8);
                tt.setQuantization(quant(new float[] { pr.scale() }, new long[] { pr.zeroPoint() }, 0));
                constDone[in] = true;
            }
        }

        // 5. DEQUANTIZE before float consumers (post-process op, model outputs)
        List<OperatorT> newOps = new ArrayList<>();
        int dequantOp = opcode(codes, BuiltinOperator.DEQUANTIZE);
        int dq = 0;
        Map<Integer, Integer> floatCopy = new HashMap<>();
        for (OperatorT op : ops) {
            int c = code(codes.get((int) op.getOpcodeIndex()));
            if (c == BuiltinOperator.CUSTOM) {
                int[] in = op.getInputs();
                for (int i = 0; i < in.length; i++) {
                    if (in[i] >= 0 && act[in[i]]) {
                        int f = floatCopy.computeIfAbsent(in[i], t -> addFloatTensor(tensors, t));
                        in[i] = f;
                    }
                }
            }
        }
        int[] outs = g.getOutputs();
        for (int i = 0; i < outs.length; i++)
            if (act[outs[i]]) outs[i] = floatCopy.computeIfAbsent(outs[i], t -> addFloatTensor(tensors, t));
        // DEQUANTIZE ops right after their producer keeps the op list topologically sorted
        Map<Integer, OperatorT> dqOf = new HashMap<>();
        for (Map.Entry<Integer, Integer> e : floatCopy.entrySet()) {
            OperatorT d = new OperatorT();
            d.setOpcodeIndex(dequantOp);
            d.setInputs(new int[] { e.getKey() });
            d.setOutputs(new int[] { e.getValue() });
            d.setBuiltinOptions(new BuiltinOptionsUnion());
            dqOf.put(e.getKey(), d);
            dq++;
        }
        // 6. uint8 input: new uint8 input tensor + QUANTIZE (uint8 → int8, same scale, zero point - 128)
        if (options.uint8Input()) {
            TensorT in8 = tensors.get(input);
            TensorT u = new TensorT();
            u.setName(in8.getName() + "_uint8");
            u.setShape(in8.getShape().clone());
            u.setType(TensorType.UINT8);
            u.setBuffer(addEmptyBuffer(buffers));
            u.setQuantization(quant(new float[] { params[input].scale() }, new long[] { params[input].zeroPoint() + 128 }, 0));
            tensors.add(u);
            OperatorT q = new OperatorT();
            q.setOpcodeIndex(opcode(codes, BuiltinOperator.QUANTIZE));
            q.setInputs(new int[] { tensors.size() - 1 });
            q.setOutputs(new int[] { input });
            q.setBuiltinOptions(new BuiltinOptionsUnion());
            newOps.add(q);
            g.setInputs(new int[] { tensors.size() - 1 });
        }
        if (dqOf.containsKey(input)) newOps.add(dqOf.remove(input));
        for (OperatorT op : ops) {
            newOps.add(op);
            for (int o : op.getOutputs()) {
                OperatorT d = dqOf.remove(o);
                if (d != null) newOps.add(d);
            }
        }
        g.setOperators(newOps.toArray(new OperatorT[0]));
        g.setTensors(tensors.toArray(new TensorT[0]));
        model.setBuffers(buffers.toArray(new BufferT[0]));

        // 7. op versions for int8 kernels
        Map<String, Integer> opCount = new java.util.TreeMap<>();
        boolean[] used = new boolean[codes.size()];
        for (OperatorT op : newOps) used[(int) op.getOpcodeIndex()] = true;
        for (OperatorT op : newOps) {
            OperatorCodeT oc = codes.get((int) op.getOpcodeIndex());
            int c = code(oc);
            opCount.merge(c == BuiltinOperator.CUSTOM ? oc.getCustomCode() : BuiltinOperator.name(c), 1, Integer::sum);
        }
        for (int i = 0; i < codes.size(); i++) {
            OperatorCodeT oc = codes.get(i);
            Integer v = INT8_VERSION.get(code(oc));
            if (v != null && used[i] && code(oc) != BuiltinOperator.DEQUANTIZE) oc.setVersion(Math.max(oc.getVersion(), v));
        }
        model.setOperatorCodes(codes.toArray(new OperatorCodeT[0]));
        model.setSignatureDefs(null); // input/output tensors changed; the detector does not use signatures
        model.setDescription(String.format(Locale.ROOT, "Vigie INT8 post-training quantization (%s, %d frames)",
                options.method() == Method.PERCENTILE ? "percentile " + options.percentile() : "min/max", frames));
        return new Result(serialize(model), new Report(frames, activations, weights, biases, groups, dq, p.fp16Folded, opCount));
    }

    // ---- graph helpers

    static int code(OperatorCodeT oc) {
        return Math.max(oc.getBuiltinCode(), oc.getDeprecatedBuiltinCode());
    }

    private static int opcode(List<OperatorCodeT> codes, int builtin) {
        for (int i = 0; i < codes.size(); i++)
            if (code(codes.get(i)) == builtin) {
                codes.get(i).setVersion(Math.max(codes.get(i).getVersion(), INT8_VERSION.get(builtin)));
                return i;
            }
        OperatorCodeT oc = new OperatorCodeT();
        oc.setBuiltinCode(builtin);
        oc.setDeprecatedBuiltinCode((byte) Math.min(builtin, 127));
        oc.setVersion(INT8_VERSION.get(builtin));
        codes.add(oc);
        return codes.size() - 1;
    }

    private static int addFloatTensor(List<TensorT> tensors, int of) {
        TensorT src = tensors.get(of);
        TensorT f = new TensorT();
        f.setName(src.getName() + "_dequantized");
        f.setShape(src.getShape().clone());
        f.setType(TensorType.FLOAT32);
        f.setBuffer(0);
        tensors.add(f);
        return tensors.size() - 1;
    }

    private static long addEmptyBuffer(List<BufferT> buffers) {
        buffers.add(new BufferT());
        return buffers.size() - 1;
    }

    private static int find(int[] parent, int i) {
        while (parent[i] != i) i = parent[i] = parent[parent[i]];
        return i;
    }

    private static void union(int[] parent, int a, int b) {
        int ra = find(parent, a), rb = find(parent, b);
        if (ra != rb) parent[Math.max(ra, rb)] = Math.min(ra, rb); // smallest index as root: deterministic
    }

    static boolean isConstant(ModelT m, TensorT t) {
        int b = (int) t.getBuffer();
        return b > 0 && b < m.getBuffers().length && m.getBuffers()[b].getData() != null && m.getBuffers()[b].getData().length > 0;
    }

    static float[] floats(ModelT m, TensorT t) {
        int[] d = m.getBuffers()[(int) t.getBuffer()].getData();
        if (t.getType() != TensorType.FLOAT32)
            throw new QuantizationException("tensor '" + t.getName() + "' is " + TensorType.name(t.getType()) + ", expected float32");
        float[] f = new float[d.length / 4];
        for (int i = 0; i < f.length; i++)
            f[i] = Float.intBitsToFloat((d[4 * i] & 0xFF) | (d[4 * i + 1] & 0xFF) << 8 | (d[4 * i + 2] & 0xFF) << 16 | (d[4 * i + 3] & 0xFF) << 24);
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

    /** Replaces the tensor's data; a buffer shared with another tensor is copied first. */
    private static void setData(ModelT m, List<BufferT> buffers, int[] bufferUse, TensorT t, byte[] data) {
        int[] u = new int[data.length];
        for (int i = 0; i < u.length; i++) u[i] = data[i] & 0xFF;
        int b = (int) t.getBuffer();
        if (bufferUse[b] > 1) {
            bufferUse[b]--;
            BufferT nb = new BufferT();
            nb.setData(u);
            buffers.add(nb);
            t.setBuffer(buffers.size() - 1);
        } else {
            buffers.get(b).setData(u);
        }
    }

    private static QuantizationParametersT quant(float[] scale, long[] zp, int axis) {
        QuantizationParametersT q = new QuantizationParametersT();
        q.setScale(scale);
        q.setZeroPoint(zp);
        q.setQuantizedDimension(axis);
        return q;
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
