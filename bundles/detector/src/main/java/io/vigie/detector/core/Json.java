package io.vigie.detector.core;

import java.util.List;
import java.util.Locale;

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
            sb.append(String.format(Locale.ROOT, ",\"score\":%.4f,\"xmin\":%.4f,\"ymin\":%.4f,\"xmax\":%.4f,\"ymax\":%.4f}",
                    d.score(), d.xmin(), d.ymin(), d.xmax(), d.ymax()));
        }
        return sb.append(']').toString();
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
