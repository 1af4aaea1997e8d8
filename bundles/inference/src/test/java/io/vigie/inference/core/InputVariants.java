package io.vigie.inference.core;

import java.util.Arrays;

import org.tensorflow.lite.schema.BufferT;
import org.tensorflow.lite.schema.BuiltinOperator;
import org.tensorflow.lite.schema.ModelT;
import org.tensorflow.lite.schema.OperatorCodeT;
import org.tensorflow.lite.schema.OperatorT;
import org.tensorflow.lite.schema.QuantizationParametersT;
import org.tensorflow.lite.schema.SubGraphT;
import org.tensorflow.lite.schema.TensorT;

/**
 * Gives a uint8-input model a new input of another type followed by a QUANTIZE op into the old
 * input. With int8 (scale 1/128, zp 0) or float ((p-128)/128) inputs the uint8 tensor the network
 * sees is bit-identical to the original, so detections must match: a real test of the engine's
 * int8 and float preprocessing without a second network.
 */
final class InputVariants {
    private InputVariants() {
    }

    static byte[] int8Input(byte[] uint8Model) {
        return withInput(uint8Model, org.tensorflow.lite.schema.TensorType.INT8, 1f / 128, 0);
    }

    static byte[] floatInput(byte[] uint8Model) {
        return withInput(uint8Model, org.tensorflow.lite.schema.TensorType.FLOAT32, 0, 0);
    }

    private static byte[] withInput(byte[] model, byte type, float scale, long zeroPoint) {
        ModelT m = ModelT.deserializeFromBinary(model);
        SubGraphT g = m.getSubgraphs()[0];
        int oldIn = g.getInputs()[0];
        TensorT old = g.getTensors()[oldIn];

        TensorT in = new TensorT();
        in.setName("vigie_input");
        in.setShape(old.getShape());
        in.setType(type);
        in.setBuffer(0); // buffer 0 is the empty sentinel
        if (type != org.tensorflow.lite.schema.TensorType.FLOAT32) {
            QuantizationParametersT q = new QuantizationParametersT();
            q.setScale(new float[] { scale });
            q.setZeroPoint(new long[] { zeroPoint });
            in.setQuantization(q);
        }
        TensorT[] tensors = Arrays.copyOf(g.getTensors(), g.getTensors().length + 1);
        int newIn = tensors.length - 1;
        tensors[newIn] = in;
        g.setTensors(tensors);

        OperatorCodeT code = new OperatorCodeT();
        code.setBuiltinCode(BuiltinOperator.QUANTIZE);
        code.setDeprecatedBuiltinCode((byte) BuiltinOperator.QUANTIZE);
        code.setVersion(type == org.tensorflow.lite.schema.TensorType.FLOAT32 ? 1 : 2);
        OperatorCodeT[] codes = Arrays.copyOf(m.getOperatorCodes(), m.getOperatorCodes().length + 1);
        codes[codes.length - 1] = code;
        m.setOperatorCodes(codes);

        OperatorT op = new OperatorT();
        op.setOpcodeIndex(codes.length - 1);
        op.setInputs(new int[] { newIn });
        op.setOutputs(new int[] { oldIn });
        OperatorT[] ops = new OperatorT[g.getOperators().length + 1];
        ops[0] = op;
        System.arraycopy(g.getOperators(), 0, ops, 1, g.getOperators().length);
        g.setOperators(ops);
        g.setInputs(new int[] { newIn });

        // the object API writes empty vectors where the original had none: TFLite rejects some
        for (BufferT b : m.getBuffers()) if (b.getData() != null && b.getData().length == 0) b.setData(null);
        for (OperatorT o : ops) {
            if (o.getCustomOptions() != null && o.getCustomOptions().length == 0) o.setCustomOptions(null);
            if (o.getIntermediates() != null && o.getIntermediates().length == 0) o.setIntermediates(null);
            if (o.getMutatingVariableInputs() != null && o.getMutatingVariableInputs().length == 0)
                o.setMutatingVariableInputs(null);
        }
        for (TensorT t : tensors) {
            if (t.getShapeSignature() != null && t.getShapeSignature().length == 0) t.setShapeSignature(null);
        }
        return m.serializeToBinary();
    }
}
