package io.vigie.tools.modelbuilder;

import java.util.ArrayList;
import java.util.List;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.tensorflowlite.BuiltinOpResolver;
import org.bytedeco.tensorflowlite.FlatBufferModel;
import org.bytedeco.tensorflowlite.Interpreter;
import org.bytedeco.tensorflowlite.InterpreterBuilder;
import org.bytedeco.tensorflowlite.TfLiteTensor;

/** Test helper: one interpreter over a model with the detection post-process op; frees natives on close. */
final class TfliteRunner implements AutoCloseable {
    record Det(int cls, float score, float ymin, float xmin, float ymax, float xmax) {
        float iou(Det o) {
            float iy = Math.max(0, Math.min(ymax, o.ymax) - Math.max(ymin, o.ymin));
            float ix = Math.max(0, Math.min(xmax, o.xmax) - Math.max(xmin, o.xmin));
            float inter = ix * iy;
            float union = (ymax - ymin) * (xmax - xmin) + (o.ymax - o.ymin) * (o.xmax - o.xmin) - inter;
            return union <= 0 ? 0 : inter / union;
        }
    }

    private final BytePointer bytes;
    private final FlatBufferModel model;
    private final BuiltinOpResolver resolver;
    private final InterpreterBuilder builder;
    private final Interpreter interpreter;
    final boolean floatInput;

    TfliteRunner(byte[] modelBytes) {
        bytes = new BytePointer(modelBytes.length);
        bytes.put(modelBytes);
        model = FlatBufferModel.VerifyAndBuildFromBuffer(bytes, modelBytes.length);
        if (model == null || model.isNull()) {
            bytes.close();
            throw new IllegalStateException("TFLite refused the model");
        }
        resolver = new BuiltinOpResolver();
        builder = new InterpreterBuilder(model, resolver);
        builder.SetNumThreads(1);
        interpreter = new Interpreter((org.bytedeco.javacpp.Pointer) null);
        if (builder.apply(interpreter) != 0 || interpreter.isNull() || interpreter.AllocateTensors() != 0) {
            close();
            throw new IllegalStateException("could not build the interpreter");
        }
        TfLiteTensor in = interpreter.tensor(interpreter.inputs().get(0));
        floatInput = in.bytes() == 300L * 300 * 3 * 4;
    }

    /** rgb: 300×300×3 uint8; fed raw to a uint8 model, as (x-128)/128 to a float one. */
    List<Det> detect(byte[] rgb) {
        TfLiteTensor in = interpreter.tensor(interpreter.inputs().get(0));
        if (floatInput) {
            float[] f = new float[rgb.length];
            for (int i = 0; i < f.length; i++)
                f[i] = ((rgb[i] & 0xFF) - 128f) / 128f;
            FloatPointer fp = new FloatPointer(in.data().raw());
            fp.put(f);
        } else {
            in.data().raw().put(rgb);
        }
        if (interpreter.Invoke() != 0)
            throw new IllegalStateException("Invoke failed");
        FloatPointer boxes = interpreter.typed_output_tensor_float(0);
        FloatPointer classes = interpreter.typed_output_tensor_float(1);
        FloatPointer scores = interpreter.typed_output_tensor_float(2);
        int n = (int) interpreter.typed_output_tensor_float(3).get(0);
        List<Det> out = new ArrayList<>();
        for (int i = 0; i < n; i++)
            out.add(new Det((int) classes.get(i), scores.get(i), boxes.get(4 * i), boxes.get(4 * i + 1),
                    boxes.get(4 * i + 2), boxes.get(4 * i + 3)));
        return out;
    }

    @Override
    public void close() {
        interpreter.close();
        builder.close();
        resolver.close();
        model.close();
        bytes.close();
    }
}
