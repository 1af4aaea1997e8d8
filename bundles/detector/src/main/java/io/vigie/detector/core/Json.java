package io.vigie.detector.core;

import java.util.List;

import io.vigie.api.inference.Detection;

/** Minimal JSON for event properties (EventAdmin carries plain strings, not our classes). */
final class Json {
    private Json() {
    }

    static String detections(List<Detection> ds) {
        StringBuilder sb = new StringBuilder(64 + ds.size() * 96).append('[');
        for (int i = 0; i < ds.size(); i++) {
            Detection d = ds.get(i);
            if (i > 0) sb.append(',');
            sb.append("{\"label\":");
            string(sb, d.label());
            // built for every frame's event: plain appends, no String.format
            sb.append(",\"score\":");
            num(sb, d.score());
            sb.append(",\"xmin\":");
            num(sb, d.xmin());
            sb.append(",\"ymin\":");
            num(sb, d.ymin());
            sb.append(",\"xmax\":");
            num(sb, d.xmax());
            sb.append(",\"ymax\":");
            num(sb, d.ymax());
            sb.append('}');
        }
        return sb.append(']').toString();
    }

    /** Four decimals, like %.4f but without a Formatter; non-finite values become null (valid JSON). */
    static void num(StringBuilder sb, float v) {
        if (!Float.isFinite(v)) {
            sb.append("null");
            return;
        }
        long scaled = Math.round(v * 10000.0);
        if (scaled < 0) {
            sb.append('-');
            scaled = -scaled;
        }
        sb.append(scaled / 10000).append('.');
        long frac = scaled % 10000;
        if (frac < 1000) sb.append('0');
        if (frac < 100) sb.append('0');
        if (frac < 10) sb.append('0');
        sb.append(frac);
    }

    static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': sb.append("\\\""); break;
                case '\\': sb.append("\\\\"); break;
                case '\n': sb.append("\\n"); break;
                case '\r': sb.append("\\r"); break;
                case '\t': sb.append("\\t"); break;
                default:
                    if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
            }
        }
        sb.append('"');
    }
}
