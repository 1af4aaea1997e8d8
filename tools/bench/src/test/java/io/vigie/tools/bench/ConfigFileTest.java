package io.vigie.tools.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigFileTest {
    @Test
    void rendersStringsNumbersBooleansAndArrays() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("source.uri", "/data/v \"x\".avi");
        m.put("threads", 2);
        m.put("source.realtime", false);
        m.put("zones", List.of("a:0,0;1,0;1,1", "b\\c:0,0;1,1;0,1"));
        assertEquals("source.uri=\"/data/v \\\"x\\\".avi\"\nthreads=\"2\"\nsource.realtime=\"false\"\n"
                + "zones=[\"a:0,0;1,0;1,1\",\"b\\\\c:0,0;1,1;0,1\"]\n", ConfigFile.render(m));
    }

    @Test
    void badKeysAndValuesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> ConfigFile.render(Map.of("a b", "x")));
        assertThrows(IllegalArgumentException.class, () -> ConfigFile.render(Map.of("k", "line\nbreak")));
        assertThrows(IllegalArgumentException.class, () -> ConfigFile.render(Map.of("k", new Object())));
    }

    @Test
    void writeIsAtomicAndLeavesNoTemporaryFile(@TempDir Path dir) throws Exception {
        Path f = ConfigFile.write(dir.resolve("conf"), "io.vigie.detector", Map.of("threads", 1));
        assertEquals(dir.resolve("conf/io.vigie.detector.config"), f);
        assertEquals("threads=\"1\"\n", Files.readString(f));
        ConfigFile.write(dir.resolve("conf"), "io.vigie.detector", Map.of("threads", 2));
        assertEquals("threads=\"2\"\n", Files.readString(f));
        try (var s = Files.list(dir.resolve("conf"))) {
            assertEquals(1, s.count());
        }
        assertThrows(IllegalArgumentException.class, () -> ConfigFile.write(dir, "../evil", Map.of()));
        assertFalse(Files.exists(dir.resolve("evil.config")));
    }

    @Test
    void benchDetectorConfigHasTheDocumentedKeys() {
        Map<String, Object> c = PipelineBench.detectorConfig(Path.of("/v.avi"), "FP32", 2, 30);
        assertEquals("FP32", c.get("model.precision"));
        assertEquals(2, c.get("threads"));
        assertEquals(false, c.get("source.realtime"));
        assertEquals(30.0, c.get("source.max.fps"));
        assertTrue(ConfigFile.render(c).contains("zones=[\"bench:0,0;1,0;1,1;0,1\"]\n"));
    }
}
