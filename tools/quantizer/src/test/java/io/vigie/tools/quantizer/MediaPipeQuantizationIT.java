package io.vigie.tools.quantizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.tensorflow.lite.schema.BuiltinOperator;
import org.tensorflow.lite.schema.ModelT;
import org.tensorflow.lite.schema.OperatorCodeT;
import org.tensorflow.lite.schema.SubGraphT;
import org.tensorflow.lite.schema.TensorType;

import io.vigie.tools.modelbuilder.CoralModelSource;
import io.vigie.tools.modelbuilder.MediaPipeModelSource;

/**
 * Generality: MediaPipe's independent float SSD (OIDv4 labels, fp16 weights behind DEQUANTIZE, raw
 * box encodings + class logits, no post-process op) quantized the same way, its float outputs
 * compared with the original's on COCO128 val images. Needs ../shared and npm (cached once).
 */
class MediaPipeQuantizationIT {
    private static final float MEAN = 127.5f, STD = 127.5f;

    @Test
    void quantizesTheIndependentFloatModelAndKeepsItsPersonScores() throws IOException {
        String s = System.getProperty("vigie.shared");
        assertTrue(s != null && !s.isBlank() && Files.isDirectory(Path.of(s, "datasets", "coco128")),
                "../shared not found: set -Dvigie.shared=/path/to/shared (got " + s + ")");
        Path shared = Path.of(s);
        String c = System.getProperty("vigie.npm.cache");
        Path cache = c == null || c.isBlank() ? CoralModelSource.defaultCacheDir() : Path.of(c);
        MediaPipeModelSource.Model mp = new MediaPipeModelSource(cache, "npm").load();
        assertEquals("Person", mp.labels().get(MediaPipeModelSource.PERSON_CLASS));

        Int8Quantizer.Options o = new Int8Quantizer.Options(Int8Quantizer.Method.MINMAX, 0.9999, false, MEAN, STD, 2);
        List<byte[]> calib = CalibrationFrames.load(shared.resolve("datasets/coco128/images/train2017"), 300, 300, 24);
        Int8Quantizer.Result r = new Int8Quantizer(o).quantize(mp.tflite(), calib);
        System.out.println("MediaPipe OIDv4 SSD: " + r.report() + ", " + mp.tflite().length + " -> " + r.model().length
                + " bytes");
        assertTrue(r.report().fp16Folded() > 100, "fp16 weights folded: " + r.report().fp16Folded());
        assertTrue(r.model().length < 0.6 * mp.tflite().length, "int8 smaller than the fp16 model");

        ModelT m = ModelT.deserializeFromBinary(r.model());
        SubGraphT g = m.getSubgraphs()[0];
        for (var op : g.getOperators()) {
            OperatorCodeT oc = m.getOperatorCodes()[(int) op.getOpcodeIndex()];
            int code = Int8Quantizer.code(oc);
            assertTrue(code != BuiltinOperator.CUSTOM, "no custom op in this model");
            if (code != BuiltinOperator.DEQUANTIZE)
                assertEquals(TensorType.INT8, g.getTensors()[op.getOutputs()[0]].getType(),
                        BuiltinOperator.name(code) + " output");
        }

        List<Path> images;
        try (var st = Files.list(shared.resolve("datasets/coco128/images/val2017"))) {
            images = st.sorted().limit(16).toList();
        }
        int confident = 0, agree = 0;
        double boxErr = 0;
        try (TfliteRun f = new TfliteRun(mp.tflite()); TfliteRun q = new TfliteRun(r.model())) {
            int clsOut = f.it.output_tensor(0).dims().data(2) == 4 ? 1 : 0, boxOut = 1 - clsOut;
            int classes = f.it.output_tensor(clsOut).dims().data(2);
            for (Path p : images) {
                byte[] rgb = CalibrationFrames.image(p, 300, 300);
                float[][] a = f.run(rgb, MEAN, STD), b = q.run(rgb, MEAN, STD);
                for (int anchor = 0; anchor < a[clsOut].length / classes; anchor++) {
                    float sa = sigmoid(a[clsOut][anchor * classes + MediaPipeModelSource.PERSON_CLASS]);
                    if (sa < 0.3f) continue;
                    confident++;
                    float sb = sigmoid(b[clsOut][anchor * classes + MediaPipeModelSource.PERSON_CLASS]);
                    if (Math.abs(sa - sb) <= 0.1f) agree++;
                    for (int k = 0; k < 4; k++) boxErr += Math.abs(a[boxOut][anchor * 4 + k] - b[boxOut][anchor * 4 + k]) / 4;
                }
            }
        }
        String msg = String.format("%d/%d anchors with float person score >= 0.3 within 0.1 in int8;"
                + " mean |box encoding err| %.3f", agree, confident, boxErr / Math.max(1, confident));
        System.out.println(msg);
        assertTrue(confident >= 20, msg);
        assertTrue(agree >= 0.85 * confident, msg);
        assertTrue(boxErr / confident < 0.25, msg);
    }

    private static float sigmoid(float x) {
        return (float) (1 / (1 + Math.exp(-x)));
    }
}
