package io.vigie.tools.quantizer;

import static org.bytedeco.tensorflowlite.global.tensorflowlite.kTfLiteFloat32;
import static org.bytedeco.tensorflowlite.global.tensorflowlite.kTfLiteInt8;
import static org.bytedeco.tensorflowlite.global.tensorflowlite.kTfLiteUInt8;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.tensorflowlite.BuiltinOpResolver;
import org.bytedeco.tensorflowlite.FlatBufferModel;
import org.bytedeco.tensorflowlite.Interpreter;
import org.bytedeco.tensorflowlite.InterpreterBuilder;
import org.bytedeco.tensorflowlite.TfLiteTensor;

/** Test helper: one TFLite interpreter; RGB uint8 in, every output as float (int8/uint8 dequantized with its params). */
final class TfliteRun implements AutoCloseable {
    private final BytePointer bytes;
    private final FlatBufferModel model;
    private final BuiltinOpResolver resolver;
    private final InterpreterBuilder builder;
    final Interpreter it;

    TfliteRun(byte[] m) {
        bytes = new BytePointer(m.length);
        bytes.put(m);
        model = FlatBufferModel.VerifyAndBuildFromBuffer(bytes, m.length);
        if (model == null || model.isNull()) throw new IllegalStateException("TFLite refused the model");
        resolver = new BuiltinOpResolver();
        builder = new InterpreterBuilder(model, resolver);
        builder.SetNumThreads(1);
        it = new Interpreter((Pointer) null);
        if (builder.apply(it) != 0 || it.isNull() || it.AllocateTensors() != 0)
            throw new IllegalStateException("could not build the interpreter");
    }

    /** Float inputs get (x - mean) / std, int8 x - 128, uint8 x. */
    float[][] run(byte[] rgb, float mean, float std) {
        TfLiteTensor in = it.input_tensor(0);
        if (in.type() == kTfLiteFloat32) {
            float[] f = new float[rgb.length];
            for (int i = 0; i < f.length; i++) f[i] = ((rgb[i] & 0xFF) - mean) / std;
            new FloatPointer(in.data().raw()).put(f);
        } else if (in.type() == kTfLiteInt8) {
            byte[] s = new byte[rgb.length];
            for (int i = 0; i < s.length; i++) s[i] = (byte) ((rgb[i] & 0xFF) - 128);
            in.data().raw().put(s);
        } else {
            in.data().raw().put(rgb);
        }
        if (it.Invoke() != 0) throw new IllegalStateException("Invoke failed");
        int n = (int) it.outputs().limit();
        float[][] out = new float[n][];
        for (int o = 0; o < n; o++) out[o] = output(o);
        return out;
    }

    float[] output(int o) {
        TfLiteTensor t = it.output_tensor(o);
        int type = t.type();
        if (type == kTfLiteFloat32) {
            float[] f = new float[(int) (t.bytes() / 4)];
            new FloatPointer(t.data().raw()).get(f);
            return f;
        }
        if (type != kTfLiteInt8 && type != kTfLiteUInt8) throw new IllegalStateException("output type " + type);
        byte[] q = new byte[(int) t.bytes()];
        t.data().raw().get(q);
        float scale = t.params().scale();
        int zp = t.params().zero_point();
        float[] f = new float[q.length];
        for (int i = 0; i < q.length; i++) f[i] = scale * ((type == kTfLiteInt8 ? q[i] : q[i] & 0xFF) - zp);
        return f;
    }

    float outputScale(int o) {
        return it.output_tensor(o).params().scale();
    }

    @Override
    public void close() {
        it.close();
        builder.close();
        resolver.close();
        model.close();
        bytes.close();
    }
}
