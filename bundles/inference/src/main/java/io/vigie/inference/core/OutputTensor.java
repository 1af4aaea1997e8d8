package io.vigie.inference.core;

import static org.bytedeco.tensorflowlite.global.tensorflowlite.kTfLiteFloat32;
import static org.bytedeco.tensorflowlite.global.tensorflowlite.kTfLiteInt8;
import static org.bytedeco.tensorflowlite.global.tensorflowlite.kTfLiteUInt8;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.tensorflowlite.TfLiteTensor;

/**
 * Reads one output tensor as floats into an array allocated once; uint8/int8 tensors are
 * dequantized with their own scale and zero point. The data pointer is taken after
 * AllocateTensors and stays valid for arena-allocated outputs.
 */
final class OutputTensor {
    final String name;
    final int type;
    final int[] dims;
    final int elements;
    final float scale;
    final int zeroPoint;
    private final FloatPointer f32;
    private final BytePointer q8;
    private final byte[] raw;
    private final float[] values;

    OutputTensor(TfLiteTensor t) {
        this.name = t.name() == null || t.name().isNull() ? "" : t.name().getString();
        this.type = t.type();
        this.dims = TensorUtil.dims(t);
        int n = 1;
        for (int d : dims) n *= d;
        this.elements = n;
        this.scale = t.params().scale();
        this.zeroPoint = t.params().zero_point();
        if (type == kTfLiteFloat32) {
            f32 = t.data().f();
            q8 = null;
            raw = null;
        } else if (type == kTfLiteUInt8 || type == kTfLiteInt8) {
            f32 = null;
            q8 = t.data().raw();
            raw = new byte[n];
        } else {
            throw new IllegalArgumentException("output '" + name + "' has unsupported type "
                    + TensorUtil.typeName(type) + " (float32, uint8, int8 supported)");
        }
        values = new float[n];
    }

    /** Current values (the same array every call). */
    float[] read() {
        if (f32 != null) {
            f32.get(values, 0, elements);
        } else {
            q8.get(raw, 0, elements);
            boolean unsigned = type == kTfLiteUInt8;
            for (int i = 0; i < elements; i++) {
                int q = unsigned ? raw[i] & 0xFF : raw[i];
                values[i] = scale * (q - zeroPoint);
            }
        }
        return values;
    }

    int dim(int i) {
        return i < dims.length ? dims[i] : 1;
    }

    /** Last dimension, e.g. 4 for boxes. */
    int last() {
        return dims.length == 0 ? 1 : dims[dims.length - 1];
    }

    @Override
    public String toString() {
        return "'" + name + "' " + TensorUtil.typeName(type) + java.util.Arrays.toString(dims);
    }
}
