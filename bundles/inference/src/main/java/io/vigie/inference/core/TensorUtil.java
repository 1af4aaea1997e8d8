package io.vigie.inference.core;

import static org.bytedeco.tensorflowlite.global.tensorflowlite.kTfLiteFloat32;
import static org.bytedeco.tensorflowlite.global.tensorflowlite.kTfLiteInt8;
import static org.bytedeco.tensorflowlite.global.tensorflowlite.kTfLiteUInt8;

import org.bytedeco.tensorflowlite.TfLiteIntArray;
import org.bytedeco.tensorflowlite.TfLiteTensor;

final class TensorUtil {
    private TensorUtil() {
    }

    static int[] dims(TfLiteTensor t) {
        TfLiteIntArray a = t.dims();
        if (a == null || a.isNull()) return new int[0];
        int[] d = new int[a.size()];
        for (int i = 0; i < d.length; i++) d[i] = a.data(i);
        return d;
    }

    static String typeName(int type) {
        if (type == kTfLiteFloat32) return "float32";
        if (type == kTfLiteUInt8) return "uint8";
        if (type == kTfLiteInt8) return "int8";
        return "type#" + type;
    }
}
