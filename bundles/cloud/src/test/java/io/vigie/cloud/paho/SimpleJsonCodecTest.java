package io.vigie.cloud.paho;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Date;

import org.eclipse.kura.message.KuraPayload;
import org.eclipse.kura.message.KuraPosition;
import org.junit.jupiter.api.Test;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

class SimpleJsonCodecTest {

    @Test
    void encodesEveryTypeAsValidJson() {
        KuraPayload p = new KuraPayload();
        p.setTimestamp(new Date(1234L));
        p.addMetric("d", 0.5d);
        p.addMetric("f", 1.25f);
        p.addMetric("l", 1L << 40);
        p.addMetric("i", -3);
        p.addMetric("b", true);
        p.addMetric("s", "quote \" backslash \\ newline \n tab \t ctl \u0001 é");
        p.addMetric("y", new byte[] { 1, 2, 3 });
        KuraPosition pos = new KuraPosition();
        pos.setLatitude(1.5);
        pos.setLongitude(2.5);
        pos.setSatellites(7);
        p.setPosition(pos);
        p.setBody("jpeg".getBytes(StandardCharsets.US_ASCII));
        String json = new String(new SimpleJsonCodec().encode(p), StandardCharsets.UTF_8);
        JsonObject o = JsonParser.parseString(json).getAsJsonObject();
        assertEquals(1234L, o.get("sentOn").getAsLong());
        JsonObject m = o.getAsJsonObject("metrics");
        assertEquals(0.5, m.get("d").getAsDouble());
        assertEquals(1.25, m.get("f").getAsDouble());
        assertEquals(1L << 40, m.get("l").getAsLong());
        assertEquals(-3, m.get("i").getAsInt());
        assertTrue(m.get("b").getAsBoolean());
        assertEquals(p.getMetric("s"), m.get("s").getAsString());
        assertEquals("AQID", m.get("y").getAsString());
        assertEquals(7, o.getAsJsonObject("position").get("satellites").getAsInt());
        assertFalse(o.getAsJsonObject("position").has("altitude"));
        assertArrayEquals(p.getBody(), Base64.getDecoder().decode(o.get("body").getAsString()));
        assertEquals("{}", new String(new SimpleJsonCodec().encode(new KuraPayload()), StandardCharsets.UTF_8));
    }

    @Test
    void refusesWhatJsonCannotCarry() {
        KuraPayload p = new KuraPayload();
        p.addMetric("nan", Double.NaN);
        assertThrows(IllegalArgumentException.class, () -> new SimpleJsonCodec().encode(p));
        KuraPayload q = new KuraPayload();
        q.addMetric("o", new Object());
        assertThrows(IllegalArgumentException.class, () -> new SimpleJsonCodec().encode(q));
    }
}
