package io.vigie.tools.quantizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.lite.schema.ModelT;
import org.tensorflow.lite.schema.TensorT;
import org.tensorflow.lite.schema.TensorType;

import io.vigie.tools.modelbuilder.CoralModelSource;
import io.vigie.tools.modelbuilder.Fp32Converter;

/**
 * The real SSD MobileNet V2 (the FP32 model derived from the pinned Coral model) quantized by the
 * CLI, loaded and run in TFLite with its post-process op, compared with the float model on COCO128
 * val images. Needs ../shared (-Dvigie.shared) and the npm cache (fetched once with npm).
 */
class SsdQuantizationIT {
    private static byte[] coral, fp32;
    private static Path shared;

    @BeforeAll
    static void models() throws IOException {
        String s = System.getProperty("vigie.shared");
        assertTrue(s != null && !s.isBlank() && Files.isDirectory(Path.of(s, "datasets", "coco128")),
                "../shared not found: set -Dvigie.shared=/path/to/shared (got " + s + ")");
        shared = Path.of(s);
        String c = System.getProperty("vigie.npm.cache");
        Path cache = c == null || c.isBlank() ? CoralModelSource.defaultCacheDir() : Path.of(c);
        coral = new CoralModelSource(cache, "npm").load();
        fp32 = new Fp32Converter().convert(coral).model();
    }

    @Test
    void quantizedSsdLoadsRunsAndFindsTheSamePeople(@TempDir Path tmp) throws IOException {
        Path in = Files.write(tmp.resolve("fp32.tflite"), fp32);
        Path out = tmp.resolve("int8.tflite");
        String summary = QuantizeMain.run(new String[] { "--in", in.toString(), "--calib",
                shared.resolve("datasets/coco128/images/train2017").toString(), "--frames", "24", "--out", out.toString(),
                "--threads", "1" });
        System.out.println(summary);
        byte[] i8 = Files.readAllBytes(out);
        assertTrue(i8.length <= 0.30 * fp32.length, "INT8 size " + i8.length + " > 30% of FP32 " + fp32.length);

        ModelT m = ModelT.deserializeFromBinary(i8);
        var g = m.getSubgraphs()[0];
        assertEquals(TensorType.INT8, g.getTensors()[g.getInputs()[0]].getType());
        int int8Weights = 0;
        for (TensorT t : g.getTensors())
            if (t.getType() == TensorType.INT8 && t.getQuantization().getScale().length > 1) int8Weights++;
        assertTrue(int8Weights >= 70, "per-channel int8 weight tensors: " + int8Weights);

        List<Path> images;
        try (var s = Files.list(shared.resolve("datasets/coco128/images/val2017"))) {
            images = s.sorted().limit(24).toList();
        }
        int compared = 0, matched = 0;
        try (TfliteRun f = new TfliteRun(fp32); TfliteRun q = new TfliteRun(i8)) {
            for (Path p : images) {
                byte[] rgb = CalibrationFrames.image(p, 300, 300);
                List<float[]> a = persons(f.run(rgb, 128f, 128f)), b = persons(q.run(rgb, 128f, 128f));
                for (float[] d : a) {
                    if (d[0] < 0.5f) continue;
                    compared++;
                    for (float[] e : b)
                        if (iou(d, e) >= 0.7f && Math.abs(d[0] - e[0]) <= 0.2f) {
                            matched++;
                            break;
                        }
                }
            }
        }
        String msg = matched + "/" + compared + " FP32 person boxes (score >= 0.5) matched by INT8 (IoU >= 0.7, |dscore| <= 0.2)";
        System.out.println(msg);
        assertTrue(compared >= 10, msg);
        assertTrue(matched >= 0.8 * compared, msg);
    }

    @Test
    void deterministicFromVideoFrames(@TempDir Path tmp) throws IOException {
        Path in = Files.write(tmp.resolve("fp32.tflite"), fp32);
        String video = shared.resolve("media/vtest.avi").toString();
        String a = QuantizeMain.run(new String[] { "--in", in.toString(), "--calib", video, "--frames", "8", "--out",
                tmp.resolve("a.tflite").toString() });
        String b = QuantizeMain.run(new String[] { "--in", in.toString(), "--calib", video, "--frames", "8", "--out",
                tmp.resolve("b.tflite").toString(), "--threads", "1" });
        assertTrue(a.contains("\"frames\":8"), a);
        assertArrayEquals(Files.readAllBytes(tmp.resolve("a.tflite")), Files.readAllBytes(tmp.resolve("b.tflite")),
                "same inputs (other thread count) must give the same bytes");
    }

    @Test
    void badInputsWriteNothing(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("out.tflite");
        String calib = shared.resolve("datasets/coco128/images/train2017").toString();
        Path coralFile = Files.write(tmp.resolve("coral.tflite"), coral);
        QuantizationException q = assertThrows(QuantizationException.class,
                () -> QuantizeMain.run(new String[] { "--in", coralFile.toString(), "--calib", calib, "--out", out.toString() }));
        assertTrue(q.getMessage().contains("already quantized"), q.getMessage());

        Path text = Files.writeString(tmp.resolve("notes.tflite"), "hello, I am not a flatbuffer");
        q = assertThrows(QuantizationException.class,
                () -> QuantizeMain.run(new String[] { "--in", text.toString(), "--calib", calib, "--out", out.toString() }));
        assertTrue(q.getMessage().contains("not a TFLite model"), q.getMessage());

        Path fp = Files.write(tmp.resolve("fp32.tflite"), fp32);
        Path empty = Files.createDirectory(tmp.resolve("empty"));
        Files.writeString(empty.resolve("readme.txt"), "no images here");
        q = assertThrows(QuantizationException.class,
                () -> QuantizeMain.run(new String[] { "--in", fp.toString(), "--calib", empty.toString(), "--out",
                        out.toString() }));
        assertTrue(q.getMessage().contains("calibration set is empty"), q.getMessage());

        q = assertThrows(QuantizationException.class, () -> QuantizeMain.run(new String[] { "--in", fp.toString(), "--calib",
                tmp.resolve("missing").toString(), "--out", out.toString() }));
        assertTrue(q.getMessage().contains("does not exist"), q.getMessage());

        String none = tmp.resolve("a.avi") + "," + tmp.resolve("b.avi");
        q = assertThrows(QuantizationException.class,
                () -> QuantizeMain.run(new String[] { "--in", fp.toString(), "--calib", none, "--out", out.toString() }));
        assertTrue(q.getMessage().contains("no calibration source found"), q.getMessage());

        IllegalArgumentException opt = assertThrows(IllegalArgumentException.class, () -> QuantizeMain.run(
                new String[] { "--in", fp.toString(), "--calib", calib, "--out", out.toString(), "--method", "kl" }));
        assertTrue(opt.getMessage().contains("--method"), opt.getMessage());
        assertFalse(Files.exists(out), "no output on bad input");
        try (var s = Files.list(tmp)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporary file left");
        }
    }

    /** [score, ymin, xmin, ymax, xmax] of class 0 (person) detections. */
    private static List<float[]> persons(float[][] out) {
        List<float[]> r = new ArrayList<>();
        int n = (int) out[3][0];
        for (int i = 0; i < n; i++)
            if ((int) out[1][i] == 0)
                r.add(new float[] { out[2][i], out[0][4 * i], out[0][4 * i + 1], out[0][4 * i + 2], out[0][4 * i + 3] });
        return r;
    }

    private static float iou(float[] a, float[] b) {
        float iy = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
        float ix = Math.max(0, Math.min(a[4], b[4]) - Math.max(a[2], b[2]));
        float inter = ix * iy;
        float union = (a[3] - a[1]) * (a[4] - a[2]) + (b[3] - b[1]) * (b[4] - b[2]) - inter;
        return union <= 0 ? 0 : inter / union;
    }
}
