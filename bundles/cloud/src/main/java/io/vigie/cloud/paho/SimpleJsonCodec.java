package io.vigie.cloud.paho;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.TreeMap;

import org.eclipse.kura.message.KuraPayload;
import org.eclipse.kura.message.KuraPosition;

/**
 * The "simple JSON" payload option, for platforms that do not speak protobuf (modelled on Kura's simple-json payload
 * encoding; field names not checked against Kura's source yet): {@code {"sentOn":ms,"position":{...},"metrics":{"name":value,...},"body":"base64"}}. Encoding only.
 * Non-finite doubles/floats have no JSON form and are refused; byte[] metrics are base64 strings.
 */
public final class SimpleJsonCodec {

    public byte[] encode(KuraPayload p) {
        if (p == null) {
            throw new IllegalArgumentException("payload is null");
        }
        StringBuilder b = new StringBuilder(128).append('{');
        boolean first = true;
        if (p.getTimestamp() != null) {
            b.append("\"sentOn\":").append(p.getTimestamp().getTime());
            first = false;
        }
        KuraPosition pos = p.getPosition();
        if (pos != null) {
            b.append(first ? "" : ",").append("\"position\":{");
            boolean f = true;
            f = field(b, f, "latitude", pos.getLatitude());
            f = field(b, f, "longitude", pos.getLongitude());
            f = field(b, f, "altitude", pos.getAltitude());
            f = field(b, f, "precision", pos.getPrecision());
            f = field(b, f, "heading", pos.getHeading());
            f = field(b, f, "speed", pos.getSpeed());
            f = field(b, f, "timestamp", pos.getTimestamp() == null ? null : pos.getTimestamp().getTime());
            f = field(b, f, "satellites", pos.getSatellites());
            field(b, f, "status", pos.getStatus());
            b.append('}');
            first = false;
        }
        if (!p.metricNames().isEmpty()) {
            b.append(first ? "" : ",").append("\"metrics\":{");
            boolean f = true;
            for (Map.Entry<String, Object> m : new TreeMap<>(p.metrics()).entrySet()) {
                f = field(b, f, m.getKey(), m.getValue());
            }
            b.append('}');
            first = false;
        }
        if (p.getBody() != null) {
            b.append(first ? "" : ",").append("\"body\":\"").append(Base64.getEncoder().encodeToString(p.getBody()))
                    .append('"');
        }
        return b.append('}').toString().getBytes(StandardCharsets.UTF_8);
    }

    private static boolean field(StringBuilder b, boolean first, String name, Object v) {
        if (v == null) {
            return first;
        }
        if (!first) {
            b.append(',');
        }
        string(b, name);
        b.append(':');
        if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                throw new IllegalArgumentException("'" + name + "' is " + d + ", which JSON cannot represent");
            }
            b.append(v instanceof Float ? Float.toString((Float) v) : Double.toString(d));
        } else if (v instanceof Long || v instanceof Integer || v instanceof Boolean) {
            b.append(v);
        } else if (v instanceof String) {
            string(b, (String) v);
        } else if (v instanceof byte[]) {
            string(b, Base64.getEncoder().encodeToString((byte[]) v));
        } else {
            throw new IllegalArgumentException("metric '" + name + "': unsupported type " + v.getClass().getName());
        }
        return false;
    }

    private static void string(StringBuilder b, String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': b.append("\\\""); break;
                case '\\': b.append("\\\\"); break;
                case '\n': b.append("\\n"); break;
                case '\r': b.append("\\r"); break;
                case '\t': b.append("\\t"); break;
                default:
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
            }
        }
        b.append('"');
    }
}
