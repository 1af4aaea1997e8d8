package io.vigie.web.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

class SettingsJsonTest {
    private static SettingsJson.Refused refused(String body) {
        return assertThrows(SettingsJson.Refused.class, () -> SettingsJson.parsePatch(body));
    }

    @Test
    void typedValuesForTheSettingsService() throws Exception {
        Map<String, Object> m = SettingsJson.parsePatch(
                "{\"model.precision\":\"FP32\",\"dwell.ms\":1500,\"source.loop\":true,\"zones\":[\"a:0,0;1,0;1,1\"]}");
        assertEquals("FP32", m.get("model.precision"));
        assertEquals(1500.0, m.get("dwell.ms"));
        assertEquals(Boolean.TRUE, m.get("source.loop"));
        assertArrayEquals(new String[] { "a:0,0;1,0;1,1" }, (String[]) m.get("zones"));
    }

    @Test
    void hostileBodiesAreRefusedWithAReason() {
        assertEquals(400, refused("").status());
        assertEquals(400, refused("{not json").status());
        assertEquals(400, refused("[1,2]").status());
        assertEquals(400, refused("\"FP32\"").status());
        assertEquals(400, refused("{}").status());
        assertTrue(refused("{\"zones\":[1,2]}").getMessage().contains("strings only"));
        assertTrue(refused("{\"threads\":null}").getMessage().contains("not null"));
        assertTrue(refused("{\"threads\":{\"a\":1}}").getMessage().contains("not an object"));
        // Gson 2.9 parses recursively: 60k levels would overflow the stack, refused before parsing
        assertTrue(refused("{\"zones\":" + "[".repeat(60_000) + "]".repeat(60_000) + "}").getMessage().contains("deep"));
        StringBuilder many = new StringBuilder("{");
        for (int i = 0; i <= SettingsJson.MAX_KEYS; i++) many.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":1");
        assertTrue(refused(many.append('}').toString()).getMessage().contains("too many keys"));
    }

    @Test
    void sourceUriIsLocalOnly() {
        SettingsJson.Refused r = refused("{\"score.threshold\":0.5,\"source.uri\":\"file:///etc/shadow\"}");
        assertEquals(403, r.status());
        assertTrue(r.getMessage().startsWith("source.uri cannot be changed"), r.getMessage());
    }

    @Test
    void depthIgnoresBracketsInStrings() {
        assertEquals(1, SettingsJson.depth("{\"a\":\"[[[{{{\\\"[[\"}"));
        assertEquals(2, SettingsJson.depth("{\"a\":[\"x\"]}"));
    }

    @Test
    void settingsBackToJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("zones", new String[] { "a", "b" });
        m.put("score.threshold", 0.5f);
        m.put("source.loop", true);
        m.put("source.uri", "rtsp://u:***@h/x");
        assertEquals("{\"zones\":[\"a\",\"b\"],\"score.threshold\":0.5,\"source.loop\":true,\"source.uri\":\"rtsp://u:***@h/x\"}",
                JsonMapper.toJson(SettingsJson.toJson(m)));
    }
}
