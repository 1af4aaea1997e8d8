package io.vigie.tools.eval;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.vigie.api.inference.EngineOptions;
import io.vigie.api.model.ModelIdentity;
import io.vigie.api.model.ModelSpec;
import io.vigie.api.model.Precision;
import io.vigie.tools.modelbuilder.CoralModelSource;
import io.vigie.tools.modelbuilder.Fp32Converter;
import io.vigie.tools.quantizer.CalibrationFrames;
import io.vigie.tools.quantizer.Int8Quantizer;

/**
 * Issue 5's accuracy goal, end to end through the detector engine: the INT8 bundle's recipe (the
 * FP32 model derived from Coral, quantized on 400 vtest.avi frames, int8 input, as bundles/model-int8 ships it) against FP32 and
 * Coral on COCO128 val. Goal Vigie INT8 ≥ FP32 − 0.01 (measured here: 0.524 vs 0.527); asserted with
 * 0.005 more room, since other CPUs' int8 kernels may round differently. Needs ../shared and npm.
 */
class QuantizedSsdApIT {
    @Test
    void vigieInt8KeepsFp32PersonAp() throws Exception {
        String s = System.getProperty("vigie.shared");
        assertTrue(s != null && !s.isBlank() && Files.isDirectory(Path.of(s, "datasets", "coco128")),
                "../shared not found: set -Dvigie.shared=/path/to/shared (got " + s + ")");
        Path shared = Path.of(s);
        String c = System.getProperty("vigie.npm.cache");
        Path cache = c == null || c.isBlank() ? CoralModelSource.defaultCacheDir() : Path.of(c);
        byte[] coral = new CoralModelSource(cache, "npm").load();
        byte[] fp32 = new Fp32Converter().convert(coral).model();
        List<byte[]> frames = CalibrationFrames.load(shared.resolve("media/vtest.avi"), 300, 300, 400);
        byte[] int8 = new Int8Quantizer(new Int8Quantizer.Options(Int8Quantizer.Method.MINMAX, 0.9999, false, 128f, 128f, 2))
                .quantize(fp32, frames).model();

        List<YoloDataset.Item> items = YoloDataset.load(shared.resolve("datasets/coco128"), "val", 0);
        ModelSpec spec = ModelSpec.postprocessOp(List.of("person"), 0, 128f, 128f);
        EngineOptions opts = new EngineOptions(2, true, ApCalculator.MAX_DETS);
        double apFp32 = EvalMain.detect(new ModelIdentity("fp32", Precision.FP32, "test", "0"), fp32, spec, items, 0, opts)
                .ap50();
        double apInt8 = EvalMain.detect(new ModelIdentity("int8", Precision.INT8, "test", "0"), int8, spec, items, 0, opts)
                .ap50();
        double apCoral = EvalMain.detect(new ModelIdentity("coral", Precision.INT8, "test", "0"), coral, spec, items, 0,
                opts).ap50();
        String msg = String.format("person AP@0.5 on %d COCO128 val images: FP32 %.3f, Vigie INT8 %.3f, Coral uint8 %.3f",
                items.size(), apFp32, apInt8, apCoral);
        System.out.println(msg);
        assertTrue(apFp32 > 0.45, "FP32 sanity: " + msg);
        assertTrue(apInt8 >= apFp32 - 0.015, msg);
    }
}
