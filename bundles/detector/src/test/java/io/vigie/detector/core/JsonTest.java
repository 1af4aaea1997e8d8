package io.vigie.detector.core;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Locale;

import org.junit.jupiter.api.Test;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.vigie.api.inference.Detection;

class JsonTest {
    @Test
    void numbersMatchFourDecimalFormatting() {
        float[] values = { 0f, 1f, 0.5f, 0.12345f, 0.99996f, 0.00004f, 0.00005f, 0.1f, 0.0123f, -0.25f, 12.00049f };
        for (float v : values) {
            String j = Json.detections(List.of(new Detection(0, "person", v, v, 0, 1, 1)));
            JsonObject o = JsonParser.parseString(j).getAsJsonArray().get(0).getAsJsonObject();
            double expected = Double.parseDouble(String.format(Locale.ROOT, "%.4f", v));
            assertEquals(expected, o.get("score").getAsDouble(), 1e-9, "value " + v + " -> " + j);
            assertEquals(expected, o.get("xmin").getAsDouble(), 1e-9, "value " + v + " -> " + j);
        }
        String nan = Json.detections(List.of(new Detection(0, "person", Float.NaN, 0, 0, Float.POSITIVE_INFINITY, 1)));
        assertEquals("[{\"label\":\"person\",\"score\":null,\"xmin\":0.0000,\"ymin\":0.0000,\"xmax\":null,"
                + "\"ymax\":1.0000}]", nan, "JSON has no NaN: null, still parseable");
        JsonParser.parseString(nan);
    }

    @Test
    void detectionsJson() {
        String j = Json.detections(List.of(new Detection(0, "per\"son", 0.9f, 0.1f, 0.2f, 0.35f, 0.8f)));
        assertEquals("[{\"label\":\"per\\\"son\",\"score\":0.9000,\"xmin\":0.1000,\"ymin\":0.2000,\"xmax\":0.3500,"
                + "\"ymax\":0.8000}]", j);
        assertEquals("[]", Json.detections(List.of()));
    }
}
