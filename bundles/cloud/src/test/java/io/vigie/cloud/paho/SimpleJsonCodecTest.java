package io.vigie.cloud.paho;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;

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

    /** The wire format, byte for byte: key order, number forms, string escapes, no HTML escaping, sorted metrics. */
    @Test
    void wireFormatIsPinned() {
        KuraPayload p = KuraPayloadCodecTest.full();
        p.addMetric("s.escapes", "<a href='x'>&= \\ \" \n\r\t \u0001 \u00e9 \u2713");
        p.addMetric("q\"uote", false);
        p.addMetric("f.tenth", 0.1f);
        p.addMetric("d.small", 1e-7);
        p.addMetric("d.big", 1e21);
        assertEquals("{\"sentOn\":1764000000123,\"position\":{\"latitude\":45.5,\"longitude\":-73.25,\"altitude\":12.0,"
                + "\"precision\":3.0,\"heading\":270.0,\"speed\":1.5,\"timestamp\":99,\"satellites\":9,\"status\":-1},"
                + "\"metrics\":{\"b\":true,\"b.false\":false,\"d\":3.25,\"d.big\":1.0E21,\"d.small\":1.0E-7,\"f\":-1.5,"
                + "\"f.tenth\":0.1,\"i\":-42,\"i.max\":2147483647,\"l\":-9223372036854775801,\"q\\\"uote\":false,"
                + "\"s\":\"zone \u00e9 1\",\"s.empty\":\"\","
                + "\"s.escapes\":\"<a href='x'>&= \\\\ \\\" \\n\\r\\t \\u0001 \u00e9 \u2713\",\"y\":\"AAH/\"},"
                + "\"body\":\"c25hcHNob3Q=\"}",
                new String(new SimpleJsonCodec().encode(p), StandardCharsets.UTF_8));
        KuraPayload metricsOnly = new KuraPayload();
        metricsOnly.addMetric("n", 1);
        assertEquals("{\"metrics\":{\"n\":1}}", new String(new SimpleJsonCodec().encode(metricsOnly), StandardCharsets.UTF_8));
        KuraPayload bodyOnly = new KuraPayload();
        bodyOnly.setBody(new byte[0]);
        assertEquals("{\"body\":\"\"}", new String(new SimpleJsonCodec().encode(bodyOnly), StandardCharsets.UTF_8));
    }

    /** Every control character and the JavaScript line separators come back as they went in. */
    @Test
    void everyControlCharacterRoundTrips() {
        StringBuilder all = new StringBuilder();
        for (char c = 0; c < 0x20; c++) all.append(c);
        all.append("\u2028\u2029\u007f\ud83d\ude00");
        KuraPayload p = new KuraPayload();
        p.addMetric(all.toString(), all.toString());
        JsonObject m = JsonParser.parseString(new String(new SimpleJsonCodec().encode(p), StandardCharsets.UTF_8))
                .getAsJsonObject().getAsJsonObject("metrics");
        assertEquals(all.toString(), m.get(all.toString()).getAsString());
    }

    @Test
    void hugeMetricsAndBodyEncodeWhole() {
        KuraPayload p = new KuraPayload();
        String big = "x".repeat(2_000_000);
        p.addMetric("big", big);
        for (int i = 0; i < 10_000; i++) p.addMetric("m" + i, i);
        byte[] body = new byte[3_000_000];
        body[body.length - 1] = 42;
        p.setBody(body);
        JsonObject o = JsonParser.parseString(new String(new SimpleJsonCodec().encode(p), StandardCharsets.UTF_8))
                .getAsJsonObject();
        assertEquals(big, o.getAsJsonObject("metrics").get("big").getAsString());
        assertEquals(10_001, o.getAsJsonObject("metrics").size());
        assertArrayEquals(body, Base64.getDecoder().decode(o.get("body").getAsString()));
    }

    @Test
    void refusesWhatJsonCannotCarry() {
        KuraPayload p = new KuraPayload();
        p.addMetric("nan", Double.NaN);
        assertThrows(IllegalArgumentException.class, () -> new SimpleJsonCodec().encode(p));
        KuraPayload q = new KuraPayload();
        q.addMetric("o", new Object());
        assertThrows(IllegalArgumentException.class, () -> new SimpleJsonCodec().encode(q));
        // nested values (Kura metrics are flat) and the other non-finite numbers, metrics and position alike
        for (Object wrong : new Object[] { Map.of("k", 1), List.of(1, 2), new int[] { 1 }, 'c', (short) 1,
                Float.NaN, Double.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY }) {
            KuraPayload w = new KuraPayload();
            w.addMetric("wrong", wrong);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SimpleJsonCodec().encode(w),
                    String.valueOf(wrong));
            assertTrue(e.getMessage().contains("'wrong'"), e.getMessage());
        }
        KuraPayload pos = new KuraPayload();
        KuraPosition inf = new KuraPosition();
        inf.setLatitude(Double.POSITIVE_INFINITY);
        pos.setPosition(inf);
        assertThrows(IllegalArgumentException.class, () -> new SimpleJsonCodec().encode(pos));
        assertThrows(IllegalArgumentException.class, () -> new SimpleJsonCodec().encode(null));
    }
}
