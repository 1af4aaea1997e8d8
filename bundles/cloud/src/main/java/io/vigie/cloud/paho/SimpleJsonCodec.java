package io.vigie.cloud.paho;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Date;
import java.util.Map;
import java.util.TreeMap;

import org.eclipse.kura.message.KuraPayload;
import org.eclipse.kura.message.KuraPosition;

import com.google.gson.stream.JsonWriter;

/**
 * The "simple JSON" payload option, for platforms that do not speak protobuf (modelled on Kura's simple-json payload
 * encoding; field names not checked against Kura's source yet):
 * {@code {"sentOn":ms,"position":{...},"metrics":{"name":value,...},"body":"base64"}}, absent fields left out,
 * metrics sorted by name. Encoding only, written with Gson's {@link JsonWriter} (no HTML escaping).
 * Non-finite doubles/floats have no JSON form and are refused; byte[] metrics are base64 strings.
 */
public final class SimpleJsonCodec {

    public byte[] encode(KuraPayload p) {
        if (p == null) {
            throw new IllegalArgumentException("payload is null");
        }
        StringWriter s = new StringWriter(128);
        try (JsonWriter w = new JsonWriter(s)) {
            w.beginObject();
            if (p.getTimestamp() != null) {
                w.name("sentOn").value(p.getTimestamp().getTime());
            }
            if (p.getPosition() != null) {
                position(w.name("position"), p.getPosition());
            }
            if (!p.metricNames().isEmpty()) {
                w.name("metrics").beginObject();
                for (Map.Entry<String, Object> m : new TreeMap<>(p.metrics()).entrySet()) {
                    field(w, m.getKey(), m.getValue());
                }
                w.endObject();
            }
            if (p.getBody() != null) {
                w.name("body").value(Base64.getEncoder().encodeToString(p.getBody()));
            }
            w.endObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return s.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void position(JsonWriter w, KuraPosition pos) throws IOException {
        Date time = pos.getTimestamp();
        w.beginObject();
        field(w, "latitude", pos.getLatitude());
        field(w, "longitude", pos.getLongitude());
        field(w, "altitude", pos.getAltitude());
        field(w, "precision", pos.getPrecision());
        field(w, "heading", pos.getHeading());
        field(w, "speed", pos.getSpeed());
        field(w, "timestamp", time == null ? null : time.getTime());
        field(w, "satellites", pos.getSatellites());
        field(w, "status", pos.getStatus());
        w.endObject();
    }

    /** One name/value pair; null values are left out. Float keeps its own shortest form (0.1f is 0.1). */
    private static void field(JsonWriter w, String name, Object v) throws IOException {
        if (v == null) {
            return;
        }
        if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                throw new IllegalArgumentException("'" + name + "' is " + d + ", which JSON cannot represent");
            }
            w.name(name).value((Number) v);
        } else if (v instanceof Long || v instanceof Integer) {
            w.name(name).value((Number) v);
        } else if (v instanceof Boolean) {
            w.name(name).value((boolean) v);
        } else if (v instanceof String) {
            w.name(name).value((String) v);
        } else if (v instanceof byte[]) {
            w.name(name).value(Base64.getEncoder().encodeToString((byte[]) v));
        } else {
            throw new IllegalArgumentException("metric '" + name + "': unsupported type " + v.getClass().getName());
        }
    }
}
