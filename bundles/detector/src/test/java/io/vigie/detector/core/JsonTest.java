package io.vigie.detector.core;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Locale;

import org.junit.jupiter.api.Test;

import io.vigie.api.inference.Detection;

class JsonTest {
    @Test
    void numbersMatchFourDecimalFormatting() {
        float[] values = { 0f, 1f, 0.5f, 0.12345f, 0.99996f, 0.00004f, 0.00005f, 0.1f, 0.0123f, -0.25f, 12.00049f };
        for (float v : values) {
            StringBuilder sb = new StringBuilder();
            Json.num(sb, v);
            assertEquals(Double.parseDouble(String.format(Locale.ROOT, "%.4f", v)), Double.parseDouble(sb.toString()), 1e-9,
                    "value " + v + " -> " + sb);
        }
        StringBuilder nan = new StringBuilder();
        Json.num(nan, Float.NaN);
        assertEquals("null", nan.toString());
    }

    @Test
    void detectionsJson() {
        String j = Json.detections(List.of(new Detection(0, "per\"son", 0.9f, 0.1f, 0.2f, 0.35f, 0.8f)));
        assertEquals("[{\"label\":\"per\\\"son\",\"score\":0.9000,\"xmin\":0.1000,\"ymin\":0.2000,\"xmax\":0.3500,\"ymax\":0.8000}]", j);
        assertEquals("[]", Json.detections(List.of()));
    }
}
