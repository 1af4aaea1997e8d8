package io.vigie.detector.core;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.vigie.api.model.ModelIdentity;
import io.vigie.api.model.Precision;
import io.vigie.api.video.SourceConfig;

class SettingsAndSelectionTest {
    static final SourceConfig SRC = new SourceConfig("/tmp/x.avi", true, 0, true, 100, 1000, 1000);

    @Test
    void validSettings() {
        DetectorSettings s = DetectorSettings.validate(SRC, "int8", 0.5f, new String[] { "Person", " car " },
                new String[] { "z:0,0;1,0;1,1" }, 0.01f, 1000, 2000, 2);
        assertEquals(Precision.INT8, s.precision());
        assertEquals(Set.of("person", "car"), s.classes());
        assertEquals(1, s.zones().size());
    }

    @Test
    void invalidSettingsNameTheKey() {
        assertKey("model.precision", () -> DetectorSettings.validate(SRC, "fp16", 0.5f, null, null, 0, 0, 0, 1));
        assertKey("score.threshold", () -> DetectorSettings.validate(SRC, "FP32", 1.5f, null, null, 0, 0, 0, 1));
        assertKey("min.box.area", () -> DetectorSettings.validate(SRC, "FP32", 0.5f, null, null, -1, 0, 0, 1));
        assertKey("dwell.ms", () -> DetectorSettings.validate(SRC, "FP32", 0.5f, null, null, 0, -5, 0, 1));
        assertKey("threads", () -> DetectorSettings.validate(SRC, "FP32", 0.5f, null, null, 0, 0, 0, 0));
        assertKey("classes", () -> DetectorSettings.validate(SRC, "FP32", 0.5f, new String[] { " " }, null, 0, 0, 0, 1));
        assertKey("zones: zone 'bad'",
                () -> DetectorSettings.validate(SRC, "FP32", 0.5f, null, new String[] { "bad:0,0;1,1" }, 0, 0, 0, 1));
    }

    private static void assertKey(String key, org.junit.jupiter.api.function.Executable ex) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, ex);
        assertTrue(e.getMessage().startsWith(key), e.getMessage());
    }

    @Test
    void selectionPrefersPrecisionThenVersion() {
        ModelIdentity f1 = new ModelIdentity("ssd", Precision.FP32, "1.0.0", "aa");
        ModelIdentity i1 = new ModelIdentity("ssd", Precision.INT8, "1.0.0", "bb");
        ModelIdentity i2 = new ModelIdentity("ssd", Precision.INT8, "1.10.0", "cc");
        ModelIdentity i3 = new ModelIdentity("ssd", Precision.INT8, "1.9.0", "dd");
        assertEquals(i2, ModelSelector.choose(List.of(f1, i1, i2, i3), Precision.INT8).orElseThrow());
        assertEquals(f1, ModelSelector.choose(List.of(f1, i1, i2), Precision.FP32).orElseThrow());
        assertEquals(i1, ModelSelector.choose(List.of(i1), Precision.FP32).orElseThrow(), "falls back to the other precision");
        assertTrue(ModelSelector.choose(List.of(), Precision.FP32).isEmpty());
        assertTrue(ModelSelector.compareVersions("1.0.0.2026", "1.0.0.202") > 0);
    }
}
