package io.vigie.tools.quantizer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

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
 * One int8 rewrite of a prepared float model from calibrated ranges, step by step ({@link #run}); the model is
 * changed in place, so an instance is used once. The order of the steps, and of the tensors, buffers and op codes
 * each step appends, decides the output bytes: keep it when changing a step.
 */
final class Int8Rewrite {
    private final Int8Quantizer.Options options;
    private final Int8Quantizer.Prepared prepared;
    private final ModelT model;
    private final SubGraphT g;
    private final List<TensorT> tensors;
    private final List<BufferT> buffers;
    private final List<OperatorCodeT> codes;
    private final OperatorT[] ops;
    private final int n;
    private final int input;
    /** Tensors that become per-tensor int8 (activations, and float constants that joined their group). */
    private final boolean[] act;
    /** Constants already quantized by an earlier step. */
    private final boolean[] constDone;
    /** Tensors per buffer: a buffer read by several tensors is copied before one of them is rewritten. */
    private final int[] bufferUse;
    private QuantMath.Params[] params;
    private int weights;
    private int biases;
    private int activations;

    Int8Rewrite(Int8Quantizer.Options options, Int8Quantizer.Prepared p) {
        this.options = options;
        this.prepared = p;
        this.model = p.model;
        this.g = p.g;
        this.tensors = new ArrayList<>(Arrays.asList(g.getTensors()));
        this.buffers = new ArrayList<>(Arrays.asList(model.getBuffers()));
        this.codes = new ArrayList<>(Arrays.asList(model.getOperatorCodes()));
        this.ops = g.getOperators();
        this.n = tensors.size();
        this.input = g.getInputs()[0];
        this.act = new boolean[n];
        this.constDone = new boolean[n];
        this.bufferUse = new int[buffers.size()];
        for (TensorT t : tensors) bufferUse[(int) t.getBuffer()]++;
    }

    /** The rewrite from calibrated ranges (tensor index → [min, max]) of {@code frames} frames. */
    Int8Quantizer.Result run(Map<Integer, float[]> ranges, int frames) {
        Map<Integer, QuantMath.Params> fixed = markActivations(ranges);
        UnionFind groups = groupSharedParams();
        int sharedGroups = assignActivationParams(groups, ranges, fixed);
        quantizeWeightsAndBiases();
        quantizeActivations();
        quantizeOtherConstantInputs();
        Map<Integer, OperatorT> dequantizeOf = dequantizeForFloatConsumers();
        int dequantizeInserted = dequantizeOf.size();
        List<OperatorT> newOps = new ArrayList<>();
        if (options.uint8Input()) newOps.add(addUint8Input());
        newOps.addAll(withDequantizeAfterProducers(dequantizeOf));
        g.setOperators(newOps.toArray(new OperatorT[0]));
        g.setTensors(tensors.toArray(new TensorT[0]));
        model.setBuffers(buffers.toArray(new BufferT[0]));
        Map<String, Integer> opCount = setInt8OpVersions(newOps);
        model.setSignatureDefs(null); // input/output tensors changed; the detector does not use signatures
        model.setDescription(String.format(Locale.ROOT, "Vigie INT8 post-training quantization (%s, %d frames)",
                options.method() == Int8Quantizer.Method.PERCENTILE ? "percentile " + options.percentile() : "min/max",
                frames));
        return new Int8Quantizer.Result(Int8Quantizer.serialize(model), new Int8Quantizer.Report(frames, activations,
                weights, biases, sharedGroups, dequantizeInserted, prepared.fp16Folded, opCount));
    }

    /**
     * Step 1: the calibrated tensors and the input become int8 activations; returns the params fixed by the model
     * (the input's from mean/std, LOGISTIC and SOFTMAX outputs 1/256, -128).
     */
    private Map<Integer, QuantMath.Params> markActivations(Map<Integer, float[]> ranges) {
        for (int t : ranges.keySet()) act[t] = true;
        act[input] = true;
        Map<Integer, QuantMath.Params> fixed = new HashMap<>();
        fixed.put(input, new QuantMath.Params(1f / options.std(), Math.round(options.mean()) - 128));
        for (OperatorT op : ops) {
            int c = code(op);
            if (c == BuiltinOperator.LOGISTIC || c == BuiltinOperator.SOFTMAX)
                fixed.put(op.getOutputs()[0], new QuantMath.Params(1f / 256f, -128));
        }
        return fixed;
    }

    /**
     * Step 2a: groups of tensors that must share params (inputs and output of the ops whose int8 kernel requires it);
     * a float constant read by such an op joins its group as an int8 tensor.
     */
    private UnionFind groupSharedParams() {
        UnionFind groups = new UnionFind(n);
        for (OperatorT op : ops) {
            int c = code(op);
            if (!sharesParams(c)) continue;
            int out = op.getOutputs()[0];
            int[] ins = c == BuiltinOperator.CONCATENATION ? op.getInputs() : new int[] { op.getInputs()[0] };
            for (int in : ins) {
                if (!act[in] && tensors.get(in).getType() == TensorType.FLOAT32) act[in] = true;
                groups.union(in, out);
            }
        }
        return groups;
    }

    /** Ops whose int8 kernel requires output params == input params (first input; all inputs for CONCATENATION). */
    private static boolean sharesParams(int code) {
        return code == BuiltinOperator.RESHAPE || code == BuiltinOperator.SQUEEZE || code == BuiltinOperator.CONCATENATION
                || code == BuiltinOperator.MAX_POOL_2D || code == BuiltinOperator.AVERAGE_POOL_2D
                || code == BuiltinOperator.PAD;
    }

    /**
     * Step 2b: each int8 tensor's params, those of its group: the group's fixed params, else asymmetric int8 over the
     * union of its members' ranges (constants: their values). Returns the number of tensors that share another's.
     */
    private int assignActivationParams(UnionFind groups, Map<Integer, float[]> ranges,
            Map<Integer, QuantMath.Params> fixed) {
        Map<Integer, float[]> groupRange = new HashMap<>();
        Map<Integer, QuantMath.Params> groupFixed = new HashMap<>();
        for (int t = 0; t < n; t++) {
            if (!act[t]) continue;
            int r = groups.find(t);
            float[] range = ranges.get(t);
            if (range == null && Int8Quantizer.isConstant(model, tensors.get(t)))
                range = Int8Quantizer.minMax(Int8Quantizer.floats(model, tensors.get(t)));
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
        int shared = 0;
        for (int t = 0; t < n; t++) if (act[t] && groups.find(t) != t) shared++;

        params = new QuantMath.Params[n];
        for (int t = 0; t < n; t++) {
            if (!act[t]) continue;
            int r = groups.find(t);
            QuantMath.Params f = groupFixed.get(r);
            if (f != null) params[t] = f;
            else {
                float[] range = groupRange.get(r);
                if (range == null)
                    throw new QuantizationException("no calibrated range for tensor '" + tensors.get(t).getName() + "'");
                params[t] = QuantMath.activation(range[0], range[1]);
            }
        }
        return shared;
    }

    /**
     * Step 3: CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED weights become per-channel symmetric int8, their biases
     * int32 (scale = input scale × weight scale).
     */
    private void quantizeWeightsAndBiases() {
        for (OperatorT op : ops) {
            int c = code(op);
            if (c != BuiltinOperator.CONV_2D && c != BuiltinOperator.DEPTHWISE_CONV_2D && c != BuiltinOperator.FULLY_CONNECTED)
                continue;
            int[] in = op.getInputs();
            int axis = c == BuiltinOperator.DEPTHWISE_CONV_2D ? 3 : 0;
            TensorT wt = tensors.get(in[1]);
            if (!Int8Quantizer.isConstant(model, wt) || wt.getType() != TensorType.FLOAT32)
                throw new QuantizationException(BuiltinOperator.name(c) + " with non-constant weights '" + wt.getName() + "'");
            if (constDone[in[1]])
                throw new QuantizationException("weights '" + wt.getName() + "' shared by several ops: not supported");
            float inScale = params[in[0]].scale();
            float[] w = Int8Quantizer.floats(model, wt);
            float[] ws = QuantMath.mseScales(w, wt.getShape(), axis);
            float[] bias = null;
            if (in.length > 2 && in[2] >= 0) {
                TensorT bt = tensors.get(in[2]);
                if (!Int8Quantizer.isConstant(model, bt) || constDone[in[2]])
                    throw new QuantizationException("bias '" + bt.getName() + "' is not a constant of its own");
                bias = Int8Quantizer.floats(model, bt);
                ws = QuantMath.fitWeightScalesToBias(ws, bias, inScale);
            }
            setData(wt, QuantMath.quantizeSymmetric(w, wt.getShape(), axis, ws));
            wt.setType(TensorType.INT8);
            wt.setQuantization(quant(ws, new long[ws.length], axis));
            constDone[in[1]] = true;
            weights++;
            if (bias != null) {
                TensorT bt = tensors.get(in[2]);
                int[] qb = QuantMath.quantizeBias(bias, inScale, ws);
                ByteBuffer bb = ByteBuffer.allocate(qb.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                bb.asIntBuffer().put(qb);
                setData(bt, bb.array());
                bt.setType(TensorType.INT32);
                bt.setQuantization(quant(QuantMath.biasScales(inScale, ws), new long[ws.length], 0));
                constDone[in[2]] = true;
                biases++;
            }
        }
    }

    /** Step 4a: activations, and the float constants that joined their groups, become per-tensor int8. */
    private void quantizeActivations() {
        for (int t = 0; t < n; t++) {
            if (!act[t]) continue;
            TensorT tt = tensors.get(t);
            if (Int8Quantizer.isConstant(model, tt)) setData(tt, quantizeConstant(tt, params[t]));
            else activations++;
            setPerTensor(tt, params[t]);
        }
    }

    /** Step 4b: the remaining float constants read by int8 builtin ops (e.g. an ADD with a constant): per-tensor int8. */
    private void quantizeOtherConstantInputs() {
        for (OperatorT op : ops) {
            if (code(op) == BuiltinOperator.CUSTOM) continue;
            for (int in : op.getInputs()) {
                if (in < 0 || constDone[in] || act[in]) continue;
                TensorT tt = tensors.get(in);
                if (tt.getType() != TensorType.FLOAT32 || !Int8Quantizer.isConstant(model, tt)) continue;
                float[] r = Int8Quantizer.minMax(Int8Quantizer.floats(model, tt));
                QuantMath.Params pr = QuantMath.activation(r[0], r[1]);
                setData(tt, quantizeConstant(tt, pr));
                setPerTensor(tt, pr);
                constDone[in] = true;
            }
        }
    }

    private byte[] quantizeConstant(TensorT t, QuantMath.Params p) {
        float[] v = Int8Quantizer.floats(model, t);
        byte[] q = new byte[v.length];
        for (int i = 0; i < v.length; i++) q[i] = (byte) p.quantize(v[i]);
        return q;
    }

    private static void setPerTensor(TensorT t, QuantMath.Params p) {
        t.setType(TensorType.INT8);
        t.setQuantization(quant(new float[] { p.scale() }, new long[] { p.zeroPoint() }, 0));
    }

    /**
     * Step 5: the float consumers of int8 tensors (the post-process op's inputs, the model outputs) read a float copy
     * instead; returns the DEQUANTIZE op that makes each copy, by the int8 tensor it reads.
     */
    private Map<Integer, OperatorT> dequantizeForFloatConsumers() {
        int dequantOp = opcode(BuiltinOperator.DEQUANTIZE);
        Map<Integer, Integer> floatCopy = new HashMap<>();
        for (OperatorT op : ops) {
            if (code(op) != BuiltinOperator.CUSTOM) continue;
            int[] in = op.getInputs();
            for (int i = 0; i < in.length; i++)
                if (in[i] >= 0 && act[in[i]]) in[i] = floatCopy.computeIfAbsent(in[i], this::addFloatTensor);
        }
        int[] outs = g.getOutputs();
        for (int i = 0; i < outs.length; i++)
            if (act[outs[i]]) outs[i] = floatCopy.computeIfAbsent(outs[i], this::addFloatTensor);
        Map<Integer, OperatorT> dequantizeOf = new HashMap<>();
        for (Map.Entry<Integer, Integer> e : floatCopy.entrySet()) {
            OperatorT d = new OperatorT();
            d.setOpcodeIndex(dequantOp);
            d.setInputs(new int[] { e.getKey() });
            d.setOutputs(new int[] { e.getValue() });
            d.setBuiltinOptions(new BuiltinOptionsUnion());
            dequantizeOf.put(e.getKey(), d);
        }
        return dequantizeOf;
    }

    /** Step 6 (uint8 input): a new uint8 input tensor and the QUANTIZE op (uint8 → int8, same scale, zero point - 128). */
    private OperatorT addUint8Input() {
        TensorT in8 = tensors.get(input);
        TensorT u = new TensorT();
        u.setName(in8.getName() + "_uint8");
        u.setShape(in8.getShape().clone());
        u.setType(TensorType.UINT8);
        buffers.add(new BufferT());
        u.setBuffer(buffers.size() - 1);
        u.setQuantization(quant(new float[] { params[input].scale() }, new long[] { params[input].zeroPoint() + 128 }, 0));
        tensors.add(u);
        OperatorT q = new OperatorT();
        q.setOpcodeIndex(opcode(BuiltinOperator.QUANTIZE));
        q.setInputs(new int[] { tensors.size() - 1 });
        q.setOutputs(new int[] { input });
        q.setBuiltinOptions(new BuiltinOptionsUnion());
        g.setInputs(new int[] { tensors.size() - 1 });
        return q;
    }

    /** The ops with each DEQUANTIZE right after its producer (the input's first): the list stays topologically sorted. */
    private List<OperatorT> withDequantizeAfterProducers(Map<Integer, OperatorT> dequantizeOf) {
        Map<Integer, OperatorT> pending = new HashMap<>(dequantizeOf);
        List<OperatorT> sorted = new ArrayList<>();
        if (pending.containsKey(input)) sorted.add(pending.remove(input));
        for (OperatorT op : ops) {
            sorted.add(op);
            for (int o : op.getOutputs()) {
                OperatorT d = pending.remove(o);
                if (d != null) sorted.add(d);
            }
        }
        return sorted;
    }

    /** Step 7: op codes in use get the versions of their int8 kernels; returns the op count by name. */
    private Map<String, Integer> setInt8OpVersions(List<OperatorT> newOps) {
        Map<String, Integer> opCount = new TreeMap<>();
        boolean[] used = new boolean[codes.size()];
        for (OperatorT op : newOps) used[(int) op.getOpcodeIndex()] = true;
        for (OperatorT op : newOps) {
            OperatorCodeT oc = codes.get((int) op.getOpcodeIndex());
            int c = Int8Quantizer.code(oc);
            opCount.merge(c == BuiltinOperator.CUSTOM ? oc.getCustomCode() : BuiltinOperator.name(c), 1, Integer::sum);
        }
        for (int i = 0; i < codes.size(); i++) {
            OperatorCodeT oc = codes.get(i);
            Integer v = Int8Quantizer.INT8_VERSION.get(Int8Quantizer.code(oc));
            if (v != null && used[i] && Int8Quantizer.code(oc) != BuiltinOperator.DEQUANTIZE)
                oc.setVersion(Math.max(oc.getVersion(), v));
        }
        model.setOperatorCodes(codes.toArray(new OperatorCodeT[0]));
        return opCount;
    }

    // ---- graph helpers

    private int code(OperatorT op) {
        return Int8Quantizer.code(codes.get((int) op.getOpcodeIndex()));
    }

    /** Index of the builtin's op code (added if missing), at least at its int8 kernel version. */
    private int opcode(int builtin) {
        int version = Int8Quantizer.INT8_VERSION.get(builtin);
        for (int i = 0; i < codes.size(); i++)
            if (Int8Quantizer.code(codes.get(i)) == builtin) {
                codes.get(i).setVersion(Math.max(codes.get(i).getVersion(), version));
                return i;
            }
        OperatorCodeT oc = new OperatorCodeT();
        oc.setBuiltinCode(builtin);
        oc.setDeprecatedBuiltinCode((byte) Math.min(builtin, 127));
        oc.setVersion(version);
        codes.add(oc);
        return codes.size() - 1;
    }

    private int addFloatTensor(int of) {
        TensorT src = tensors.get(of);
        TensorT f = new TensorT();
        f.setName(src.getName() + "_dequantized");
        f.setShape(src.getShape().clone());
        f.setType(TensorType.FLOAT32);
        f.setBuffer(0);
        tensors.add(f);
        return tensors.size() - 1;
    }

    /** Replaces the tensor's data; a buffer shared with another tensor is copied first. */
    private void setData(TensorT t, byte[] data) {
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
}
