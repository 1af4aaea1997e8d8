package io.vigie.telemetry.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The remote policy only: ranges and formats are the detector's (its SettingsRulesTest). */
class ConfigPatchTest {
    @Test
    void settableKeysWithTheirMetricTypesPassUnchangedInKeyOrder() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("zones", "a:0,0;1,0;1,1 | b:0,0;0.5,0;0.5,0.5\n");
        m.put("score.threshold", 0.6);
        m.put("min.box.area", 0.002f);
        m.put("source.max.fps", 5);
        m.put("dwell.ms", 800);
        m.put("cooldown.ms", 2000L);
        m.put("threads", 2L);
        m.put("model.precision", "fp32");
        m.put("classes", "person, Car");
        m.put("source.loop", false);
        m.put("source.realtime", true);
        Map<String, Object> out = ConfigPatch.parse(m);
        assertEquals(m, out, "values are the settings service's to check and normalise");
        assertEquals(List.copyOf(ConfigPatch.keys()), List.copyOf(out.keySet()));
    }

    @Test
    void refusesKeysNotSettableRemotely() {
        assertBad(Map.of("nope", 1), "unknown or read-only key 'nope'");
        assertBad(Map.of("source.uri", "/etc/passwd"), "unknown or read-only key 'source.uri'");
        assertBad(Map.of("model.grace.ms", 1000L), "unknown or read-only key 'model.grace.ms'");
    }

    @Test
    void refusesWrongMetricTypes() {
        assertBad(Map.of("score.threshold", "0.5"), "score.threshold must be a number metric, got String");
        assertBad(Map.of("score.threshold", true), "score.threshold must be a number metric, got Boolean");
        assertBad(Map.of("dwell.ms", 1.5), "dwell.ms must be a integer (int32/int64 metric) metric, got Double");
        assertBad(Map.of("threads", "2"), "threads must be a integer");
        assertBad(Map.of("source.loop", "true"), "source.loop must be a boolean metric");
        assertBad(Map.of("zones", new byte[] { 1 }), "zones must be a String metric, got bytes");
        assertBad(Map.of("model.precision", 8), "model.precision must be a String metric, got Integer");
    }

    @Test
    void refusesEmptyAndOversizedRequests() {
        assertBad(Map.of(), "no properties");
        assertBad(null, "no properties");
        Map<String, Object> many = new HashMap<>();
        for (int i = 0; i < 17; i++) many.put("k" + i, i);
        assertBad(many, "too many properties");
        Map<String, Object> nullValue = new HashMap<>();
        nullValue.put("threads", null);
        assertBad(nullValue, "threads has no value");
    }

    @Test
    void oneBadKeyRefusesTheWholePatch() {
        Map<String, Object> m = new HashMap<>();
        m.put("score.threshold", 0.6);
        m.put("threads", "0");
        assertBad(m, "threads must be a integer");
    }

    private static void assertBad(Map<String, Object> m, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ConfigPatch.parse(m));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
