package io.vigie.tools.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/** EvalMain's --json report: exact for ordinary values, paths kept whole, no-ground-truth NaN as null. */
class ReportJsonTest {
    private static final String SHA = "ab".repeat(32);

    @Test
    void ordinaryValuesKeepTheirFormat() {
        ApCalculator.AtThreshold pr = new ApCalculator.AtThreshold(8, 2, 10, 0.8, 0.8);
        String json = EvalMain.reportJson(Path.of("/m/model.tflite"), SHA, Path.of("/d/coco128"), "val2017", 12, 10,
                0.123456, 0.5, 0.5, pr, 12.34567, 2);
        assertEquals("{\"model\":\"/m/model.tflite\",\"sha256\":\"" + SHA + "\",\"dataset\":\"/d/coco128\","
                + "\"split\":\"val2017\",\"images\":12,\"persons\":10,\"ap50\":0.12346,\"ap50_95\":0.50000,"
                + "\"threshold\":0.500,\"precision\":0.80000,\"recall\":0.80000,\"tp\":8,\"fp\":2,"
                + "\"meanInvokeMillis\":12.346,\"threads\":2}" + System.lineSeparator(), json);
    }

    @Test
    void pathsContainingNaNStayWholeAndNaNValuesAreNull() {
        Path model = Path.of("/models/NaNo \"quoted\" NaN.tflite"), dataset = Path.of("/sets/NaN-people");
        ApCalculator.AtThreshold none = new ApCalculator.AtThreshold(0, 0, 0, Double.NaN, Double.NaN);
        String json = EvalMain.reportJson(model, SHA, dataset, "val-NaN", 1, 0, Double.NaN, Double.NaN, 0.5, none,
                Double.POSITIVE_INFINITY, 1);
        JsonObject o = JsonParser.parseString(json).getAsJsonObject();
        assertEquals(model.toString(), o.get("model").getAsString());
        assertEquals(dataset.toString(), o.get("dataset").getAsString());
        assertEquals("val-NaN", o.get("split").getAsString());
        for (String k : new String[] { "ap50", "ap50_95", "precision", "recall", "meanInvokeMillis" }) {
            assertTrue(o.get(k).isJsonNull(), k + " in " + json);
        }
        assertEquals(0, o.get("persons").getAsInt());
    }
}
