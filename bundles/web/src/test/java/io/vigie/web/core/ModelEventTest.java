package io.vigie.web.core;

import static org.junit.jupiter.api.Assertions.*;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.google.gson.JsonObject;

import io.vigie.api.detect.DetectorTopics;

class ModelEventTest {
    static Map<String, Object> event(Double swapMs, String error) {
        Map<String, Object> p = new HashMap<>();
        p.put(DetectorTopics.MODEL_NAME, "ssd");
        p.put(DetectorTopics.MODEL_PRECISION, "FP32");
        p.put(DetectorTopics.MODEL_VERSION, "1.0.0");
        p.put(DetectorTopics.MODEL_SHA256, "ab".repeat(32));
        if (swapMs != null) p.put("swap.ms", swapMs);
        if (error != null) p.put(DetectorTopics.ERROR, error);
        p.put(DetectorTopics.SEQUENCE, 42L);
        return p;
    }

    @Test
    void swapsAndFailuresAreCountedAndExposed() {
        WebMetrics m = new WebMetrics();
        assertTrue(Double.isNaN(m.lastSwapMillis()));
        String before = PrometheusWriter.write(m, null, null, 0, 0, 0);
        assertFalse(before.contains("vigie_model_last_swap_seconds "), "no swap yet, no gauge");
        m.modelEvent(734.5, false);
        m.modelEvent(null, true);
        assertEquals(1, m.swaps());
        assertEquals(1, m.modelFailures());
        assertEquals(734.5, m.lastSwapMillis());
        String prom = PrometheusWriter.write(m, null, null, 0, 0, 0);
        assertTrue(prom.contains("vigie_model_swaps_total 1"), prom);
        assertTrue(prom.contains("vigie_model_failures_total 1"), prom);
        assertTrue(prom.contains("vigie_model_last_swap_seconds 0.7345"), prom);
        JsonObject json = JsonMapper.metrics(m, null, null);
        assertEquals(734.5, json.get("lastSwapMs").getAsDouble());
        assertEquals(1, json.get("modelSwaps").getAsLong());
    }

    @Test
    void modelEventJson() {
        JsonObject ok = JsonMapper.modelEvent(event(812.0, null));
        assertEquals("MODEL", ok.get("type").getAsString());
        assertEquals("FP32", ok.getAsJsonObject("model").get("precision").getAsString());
        assertEquals(812.0, ok.get("swapMs").getAsDouble());
        assertEquals(42, ok.get("sequence").getAsLong());
        JsonObject bad = JsonMapper.modelEvent(event(null, "model ssd refused: no person"));
        assertTrue(bad.get("error").getAsString().contains("refused"));
    }
}
