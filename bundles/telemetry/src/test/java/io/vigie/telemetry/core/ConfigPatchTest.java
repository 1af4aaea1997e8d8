package io.vigie.telemetry.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ConfigPatchTest {
    @Test
    void typedValuesForConfigurationAdmin() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("score.threshold", 0.6);
        m.put("min.box.area", 0.002f);
        m.put("dwell.ms", 800);
        m.put("cooldown.ms", 2000L);
        m.put("threads", 2L);
        m.put("model.precision", "fp32");
        m.put("classes", "person, Car");
        m.put("zones", "a:0,0;1,0;1,1 | b:0,0;0.5,0;0.5,0.5\n");
        m.put("source.loop", false);
        m.put("source.max.fps", 5);
        Map<String, Object> out = ConfigPatch.parse(m);
        assertEquals(0.6f, out.get("score.threshold"));
        assertEquals(0.002f, out.get("min.box.area"));
        assertEquals(800L, out.get("dwell.ms"));
        assertEquals(2000L, out.get("cooldown.ms"));
        assertEquals(2, out.get("threads"));
        assertEquals("FP32", out.get("model.precision"));
        assertArrayEquals(new String[] { "person", "car" }, (String[]) out.get("classes"));
        assertArrayEquals(new String[] { "a:0,0;1,0;1,1", "b:0,0;0.5,0;0.5,0.5" }, (String[]) out.get("zones"));
        assertEquals(false, out.get("source.loop"));
        assertEquals(5.0, out.get("source.max.fps"));
    }

    @Test
    void emptyZonesClearThem() {
        assertArrayEquals(new String[0], (String[]) ConfigPatch.parse(Map.of("zones", "")).get("zones"));
    }

    @Test
    void refusesUnknownReadOnlyWrongTypeAndOutOfRange() {
        assertBad(Map.of("nope", 1), "unknown or read-only key 'nope'");
        assertBad(Map.of("source.uri", "/etc/passwd"), "unknown or read-only key 'source.uri'");
        assertBad(Map.of("score.threshold", "0.5"), "score.threshold must be a number metric, got String");
        assertBad(Map.of("score.threshold", 1.5), "score.threshold '1.5' must be in (0,1)");
        assertBad(Map.of("score.threshold", Double.NaN), "must be a finite number");
        assertBad(Map.of("dwell.ms", 1.5), "dwell.ms must be a integer");
        assertBad(Map.of("dwell.ms", -1), "dwell.ms '-1' must be 0..86400000 ms");
        assertBad(Map.of("threads", 17), "threads '17' must be 1..16");
        assertBad(Map.of("model.precision", "INT4"), "model.precision 'INT4' must be INT8 or FP32");
        assertBad(Map.of("classes", " , "), "at least one label");
        assertBad(Map.of("classes", "person;drop table"), "classes");
        assertBad(Map.of("source.loop", "true"), "source.loop must be a boolean metric");
        assertBad(Map.of("zones", new byte[] { 1 }), "zones must be a String metric, got bytes");
        assertBad(Map.of("zones", "x".repeat(5000)), "zones is too long");
        assertBad(Map.of(), "no properties");
        Map<String, Object> many = new HashMap<>();
        for (int i = 0; i < 17; i++) many.put("k" + i, i);
        assertBad(many, "too many properties");
    }

    @Test
    void oneBadKeyRefusesTheWholePatch() {
        Map<String, Object> m = new HashMap<>();
        m.put("score.threshold", 0.6);
        m.put("threads", 0);
        assertBad(m, "threads '0' must be 1..16");
    }

    private static void assertBad(Map<String, Object> m, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ConfigPatch.parse(m));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
