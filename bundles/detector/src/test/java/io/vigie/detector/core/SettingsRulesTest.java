package io.vigie.detector.core;

import static io.vigie.detector.core.SettingsRules.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.vigie.api.model.Precision;

class SettingsRulesTest {

    @Test
    void numbersInRangeAndOnTheEdgesAreTypedAsTheConfigurationHoldsThem() {
        assertEquals(0.01f, normalise(SCORE_THRESHOLD, 0.01));
        assertEquals(0.99f, normalise(SCORE_THRESHOLD, 0.99f), "a Float on the bound is not above it");
        assertEquals(0.5f, normalise(SCORE_THRESHOLD, 0.5));
        assertEquals(0f, normalise(MIN_BOX_AREA, 0));
        assertEquals(0.99f, normalise(MIN_BOX_AREA, 0.99));
        assertEquals(0f, normalise(CHECK_MIN_SCORE, 0L));
        assertEquals(0.99f, normalise(CHECK_MIN_SCORE, 0.99));
        assertEquals(1, normalise(THREADS, 1));
        assertEquals(16, normalise(THREADS, 16L));
        assertEquals(0.0, normalise(SOURCE_MAX_FPS, 0));
        assertEquals(1000.0, normalise(SOURCE_MAX_FPS, 1000f));
        for (String k : List.of(DWELL_MS, COOLDOWN_MS)) {
            assertEquals(0L, normalise(k, 0));
            assertEquals(86_400_000L, normalise(k, 86_400_000));
        }
        assertEquals(1L, normalise(RECONNECT_MIN_MS, 1));
        assertEquals(1L, normalise(RECONNECT_MAX_MS, 1));
        assertEquals(0L, normalise(SOURCE_TIMEOUT_MS, 0));
        assertEquals(0L, normalise(LATENCY_BUDGET_MS, 0));
        assertEquals(Long.MAX_VALUE, normalise(GRACE_MS, Long.MAX_VALUE), "no upper bound");
        assertEquals(700L, normalise(DWELL_MS, 700.0), "JSON numbers arrive as doubles: whole ones are integers");
    }

    @Test
    void numbersOutOfRangeNameKeyValueAndRange() {
        assertMessage("score.threshold '0.0' must be in [0.01, 0.99]", SCORE_THRESHOLD, 0);
        assertMessage("score.threshold '0.995' must be in [0.01, 0.99]", SCORE_THRESHOLD, 0.995);
        assertMessage("score.threshold '1.5' must be in [0.01, 0.99]", SCORE_THRESHOLD, 1.5);
        assertMessage("min.box.area '-0.1' must be in [0, 0.99]", MIN_BOX_AREA, -0.1);
        assertMessage("min.box.area '1.0' must be in [0, 0.99]", MIN_BOX_AREA, 1);
        assertMessage("model.check.min.score '1.0' must be in [0, 0.99]", CHECK_MIN_SCORE, 1.0);
        assertMessage("threads '0' must be 1..16", THREADS, 0);
        assertMessage("threads '17' must be 1..16", THREADS, 17);
        assertMessage("source.max.fps '1000.5' must be in [0, 1000]", SOURCE_MAX_FPS, 1000.5);
        assertMessage("source.max.fps '-1.0' must be in [0, 1000]", SOURCE_MAX_FPS, -1);
        assertMessage("dwell.ms '-1' must be 0..86400000", DWELL_MS, -1);
        assertMessage("cooldown.ms '86400001' must be 0..86400000", COOLDOWN_MS, 86_400_001L);
        assertMessage("source.reconnect.min.ms '0' must be >= 1", RECONNECT_MIN_MS, 0);
        assertMessage("source.reconnect.max.ms '0' must be >= 1", RECONNECT_MAX_MS, 0);
        assertMessage("source.timeout.ms '-1' must be >= 0", SOURCE_TIMEOUT_MS, -1);
        assertMessage("model.latency.budget.ms '-5' must be >= 0", LATENCY_BUDGET_MS, -5);
        assertMessage("model.grace.ms '-1' must be >= 0", GRACE_MS, -1);
    }

    @Test
    void wrongTypesAreRefused() {
        assertMessage("score.threshold 'true' must be a number", SCORE_THRESHOLD, true);
        assertMessage("score.threshold 'high' must be a number", SCORE_THRESHOLD, "high");
        assertMessage("score.threshold 'NaN' must be a finite number", SCORE_THRESHOLD, Double.NaN);
        assertMessage("source.max.fps 'Infinity' must be a finite number", SOURCE_MAX_FPS, Double.POSITIVE_INFINITY);
        assertMessage("threads '1.5' must be an integer", THREADS, 1.5);
        assertMessage("dwell.ms '1e3' must be an integer", DWELL_MS, "1e3");
        assertMessage("dwell.ms 'true' must be an integer", DWELL_MS, true);
        assertMessage("source.loop 'yes' must be true or false", SOURCE_LOOP, "yes");
        assertMessage("source.realtime '1' must be true or false", SOURCE_REALTIME, 1);
        assertMessage("source.uri must be text, got Integer", SOURCE_URI, 5);
        assertMessage("model.precision must be text, got Boolean", PRECISION, true);
        assertMessage("model.precision 'INT4' must be INT8 or FP32", PRECISION, "INT4");
        assertMessage("zones must be text or a list of text, got Integer", ZONES, 3);
        assertMessage("classes must be text, got Integer", CLASSES, new Object[] { "person", 3 });
        assertMessage("threads has no value", THREADS, null);
        assertMessage("unknown key 'nope'", "nope", 1);
    }

    /** Issue 11's keys (motion gate, loading) get the same hostile values as the older ones. */
    @Test
    void motionAndLoadingKeysRefuseHostileValues() {
        assertMessage("motion.threshold '0' must be 1..255", MOTION_THRESHOLD, 0);
        assertMessage("motion.threshold '256' must be 1..255", MOTION_THRESHOLD, 256);
        assertMessage("motion.threshold '2.5' must be an integer", MOTION_THRESHOLD, 2.5);
        assertMessage("motion.min.area 'NaN' must be a finite number", MOTION_MIN_AREA, Double.NaN);
        assertMessage("motion.min.area '-0.001' must be in [0, 0.99]", MOTION_MIN_AREA, -0.001);
        assertMessage("motion.min.area '1.0' must be in [0, 0.99]", MOTION_MIN_AREA, 1.0);
        assertMessage("motion.recheck.ms '-1' must be 0..86400000", MOTION_RECHECK_MS, -1);
        assertMessage("motion.idle.recheck.ms '9223372036854775807' must be 0..86400000", MOTION_IDLE_RECHECK_MS,
                Long.MAX_VALUE);
        assertMessage("motion.recheck.ms '1e3' must be an integer", MOTION_RECHECK_MS, "1e3");
        assertMessage("motion.gate.enabled 'on' must be true or false", MOTION_GATE_ENABLED, "on");
        assertMessage("model.standby '1' must be true or false", STANDBY, 1);
        assertMessage("model.load.paced '../x' must be true or false", LOAD_PACED, "../x");
        assertEquals(Boolean.TRUE, normalise(MOTION_GATE_ENABLED, " TRUE "));
    }

    @Test
    void textFromConfigurationFilesIsReadLikeTypedValues() {
        assertEquals(0.5f, normalise(SCORE_THRESHOLD, " 0.5 "));
        assertEquals(2, normalise(THREADS, "2"));
        assertEquals(1000L, normalise(DWELL_MS, "1000"));
        assertEquals(Boolean.FALSE, normalise(SOURCE_LOOP, "FALSE"));
        assertEquals(Boolean.TRUE, normalise(SOURCE_REALTIME, "true"));
        assertEquals("FP32", normalise(PRECISION, " fp32 "));
        assertEquals("/v.avi", normalise(SOURCE_URI, " /v.avi "));
    }

    @Test
    void labelsAreTrimmedLowerCasedAndDeduplicated() {
        assertArrayEquals(new String[] { "person", "traffic light" },
                (String[]) normalise(CLASSES, new String[] { " Person", "traffic light", "", null, "PERSON" }));
        assertArrayEquals(new String[] { "person", "car" }, (String[]) normalise(CLASSES, "person, Car"));
        assertArrayEquals(new String[] { "dog" }, (String[]) normalise(CLASSES, List.of("dog")));
        assertMessage("classes must name at least one label", CLASSES, " , ");
        assertMessage("classes must name at least one label", CLASSES, new String[0]);
        assertMessage("classes 'person;drop table' must be labels", CLASSES, "person;drop table");
        assertMessage("classes '" + "a".repeat(65) + "' must be labels", CLASSES, "a".repeat(65));
    }

    @Test
    void zonesAreCheckedWithTheParserAndKeptAsWritten() {
        assertArrayEquals(new String[] { "a:0,0;1,0;1,1", "b:0,0;0.5,0;0.5,0.5" },
                (String[]) normalise(ZONES, "a:0,0;1,0;1,1 | b:0,0;0.5,0;0.5,0.5\n"));
        assertArrayEquals(new String[] { "a:0,0;1,0;1,1", "b:0,0;0.5,0;0.5,0.5" },
                (String[]) normalise(ZONES, "a:0,0;1,0;1,1\r\nb:0,0;0.5,0;0.5,0.5"));
        assertArrayEquals(new String[] { "a:0,0;1,0;1,1" }, (String[]) normalise(ZONES, new String[] { " a:0,0;1,0;1,1 ", " " }));
        assertArrayEquals(new String[0], (String[]) normalise(ZONES, ""), "empty = no zones");
        assertMessage("zones: zone 'bad' edges cross each other", ZONES, "bad:0,0;1,1;1,0;0,1");
        assertMessage("zones: zone 'b' needs at least 3 points", ZONES, "b:0,0;1,1");
        assertMessage("zones: zone 'a' is defined twice", ZONES, "a:0,0;1,0;1,1|a:0,0;1,0;0,1");
        assertMessage("zones: zone 'a' point 2 is outside 0..1", ZONES, List.of("a:0,0;2,0;0,1"));
    }

    @Test
    void hostileStringsAreRefusedWithoutBeingEchoedRaw() {
        assertMessage("source.uri must be printable text", SOURCE_URI, "/v.avi\u0000; rm -rf /");
        assertMessage("source.uri is too long (5000 > 4096 chars)", SOURCE_URI, "x".repeat(5000));
        assertMessage("source.uri is empty", SOURCE_URI, "   ");
        assertMessage("zones is too long", ZONES, "a:0,0;1,0;1,1|".repeat(400));
        assertMessage("zones must be printable text", ZONES, "a:0,0;1,0;1,1\u001b[2J");
        assertMessage("classes must be printable text", CLASSES, new String[] { "person\u0007" });
        assertMessage("model.precision must be printable text", PRECISION, "INT8\t");
        assertMessage("zones: zone name '<script>' may only use letters, digits, _ . -", ZONES, "<script>:0,0;1,0;1,1");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> normalise(DWELL_MS, "9".repeat(300)));
        assertTrue(e.getMessage().length() < 130, "long values are shortened in messages: " + e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> normalise(SCORE_THRESHOLD, "0.\u00005"));
        assertFalse(e.getMessage().contains("\u0000"), "control characters are not echoed");
    }

    @Test
    void effectiveFillsDefaultsIgnoresForeignKeysAndBuildsRunningSettings() {
        Map<String, Object> props = new HashMap<>();
        props.put("service.pid", "io.vigie.detector");
        props.put("felix.fileinstall.filename", "file:/conf/io.vigie.detector.config");
        props.put(SOURCE_URI, "/v.avi");
        props.put(SCORE_THRESHOLD, "0.6");
        props.put(ZONES, new String[] { "door:0.1,0.1;0.5,0.1;0.5,0.9" });
        props.put(CLASSES, null);
        Map<String, Object> v = effective(props);
        assertEquals(RULES.keySet(), v.keySet());
        assertEquals(0.6f, v.get(SCORE_THRESHOLD));
        assertEquals(THREADS_DEFAULT, v.get(THREADS));
        assertArrayEquals(new String[] { "person" }, (String[]) v.get(CLASSES));
        DetectorSettings s = settings(v);
        assertEquals(Precision.INT8, s.precision());
        assertEquals("/v.avi", s.source().uri());
        assertEquals(RECONNECT_MAX_DEFAULT, s.source().reconnectMaxMs());
        assertEquals(Set.of("person"), s.classes());
        assertEquals("door", s.zones().get(0).name());
        assertEquals(DetectorSettings.ModelGate.DEFAULT, s.gate());
        assertMessage("source.uri is empty", () -> settings(effective(Map.of())));
    }

    @Test
    void reconnectBackOffMaxMayNotBeBelowMin() {
        assertMessage("source.reconnect.max.ms '100' must be >= source.reconnect.min.ms (500)",
                () -> effective(Map.of(SOURCE_URI, "/v.avi", RECONNECT_MAX_MS, 100)));
        assertEquals(100L, effective(Map.of(RECONNECT_MIN_MS, 100, RECONNECT_MAX_MS, 100)).get(RECONNECT_MAX_MS));
    }

    @Test
    void defaultsAreValidAndFresh() {
        Map<String, Object> d = defaults();
        for (Rule r : RULES.values()) {
            if (r.kind() == Kind.URI) continue; // no default source: the detector waits for one
            Object v = d.get(r.key());
            if (v instanceof String[] a) assertArrayEquals(a, (String[]) normalise(r, v), r.key());
            else assertEquals(v, normalise(r, v), r.key());
        }
        ((String[]) d.get(CLASSES))[0] = "changed";
        assertEquals("person", ((String[]) defaults().get(CLASSES))[0], "callers cannot change the defaults");
    }

    private static void assertMessage(String expected, String key, Object value) {
        assertMessage(expected, () -> normalise(key, value));
    }

    private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().startsWith(expected), e.getMessage());
    }
}
