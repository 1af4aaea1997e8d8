package io.vigie.telemetry.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Turns the metrics of a {@code PUT config} request into typed ConfigurationAdmin values for the
 * detector (PID io.vigie.detector). Only the keys below may be changed remotely (source.uri is
 * deliberately not one: pointing the detector at arbitrary files/URLs is a local decision).
 * Every key, type and range is checked before anything is written; the first problem throws
 * {@link IllegalArgumentException} naming the key. Zone geometry is left to the detector, which
 * validates it and reports a refusal in its status.
 */
public final class ConfigPatch {
    public static final int MAX_KEYS = 16;
    public static final int MAX_STRING = 4096;

    /** Remote-settable keys → expected metric type. */
    static final Map<String, String> KEYS = new LinkedHashMap<>();
    static {
        KEYS.put("model.precision", "String INT8|FP32");
        KEYS.put("score.threshold", "number in (0,1)");
        KEYS.put("min.box.area", "number in [0,1)");
        KEYS.put("source.max.fps", "number >= 0");
        KEYS.put("source.loop", "boolean");
        KEYS.put("source.realtime", "boolean");
        KEYS.put("dwell.ms", "integer >= 0");
        KEYS.put("cooldown.ms", "integer >= 0");
        KEYS.put("threads", "integer 1..16");
        KEYS.put("classes", "String, comma-separated labels");
        KEYS.put("zones", "String, zones separated by '|' (name:x1,y1;x2,y2;x3,y3...), empty = no zones");
    }

    private ConfigPatch() {
    }

    public static Set<String> keys() {
        return new TreeSet<>(KEYS.keySet());
    }

    /** @return the typed values to merge into the detector's configuration, in request order */
    public static Map<String, Object> parse(Map<String, Object> metrics) {
        if (metrics == null || metrics.isEmpty())
            throw new IllegalArgumentException("no properties: send metrics named after detector keys " + keys());
        if (metrics.size() > MAX_KEYS) throw new IllegalArgumentException("too many properties: " + metrics.size() + " > " + MAX_KEYS);
        Map<String, Object> out = new LinkedHashMap<>();
        for (String k : new TreeSet<>(metrics.keySet())) {
            Object v = metrics.get(k);
            if (!KEYS.containsKey(k)) throw new IllegalArgumentException("unknown or read-only key '" + k + "'; settable: " + keys());
            if (v == null) throw new IllegalArgumentException(k + " has no value");
            out.put(k, value(k, v));
        }
        return out;
    }

    private static Object value(String k, Object v) {
        switch (k) {
            case "model.precision": {
                String s = string(k, v).trim().toUpperCase(Locale.ROOT);
                if (!s.equals("INT8") && !s.equals("FP32")) throw bad(k, v, "INT8 or FP32");
                return s;
            }
            case "score.threshold": {
                double d = number(k, v);
                if (!(d > 0 && d < 1)) throw bad(k, v, "in (0,1)");
                return (float) d;
            }
            case "min.box.area": {
                double d = number(k, v);
                if (!(d >= 0 && d < 1)) throw bad(k, v, "in [0,1) (fraction of the frame)");
                return (float) d;
            }
            case "source.max.fps": {
                double d = number(k, v);
                if (!(d >= 0 && d <= 1000)) throw bad(k, v, "in [0,1000] (0 = no cap)");
                return d;
            }
            case "source.loop":
            case "source.realtime":
                if (!(v instanceof Boolean)) throw type(k, v, "boolean");
                return v;
            case "dwell.ms":
            case "cooldown.ms": {
                long l = integer(k, v);
                if (l < 0 || l > 86_400_000L) throw bad(k, v, "0..86400000 ms");
                return l;
            }
            case "threads": {
                long l = integer(k, v);
                if (l < 1 || l > 16) throw bad(k, v, "1..16");
                return (int) l;
            }
            case "classes": {
                List<String> cls = new ArrayList<>();
                for (String c : string(k, v).split(",")) {
                    String t = c.trim().toLowerCase(Locale.ROOT);
                    if (t.isEmpty()) continue;
                    if (!t.matches("[a-z0-9 _-]{1,64}")) throw bad(k, v, "labels of letters, digits, space, _ or -");
                    cls.add(t);
                }
                if (cls.isEmpty()) throw bad(k, v, "at least one label (e.g. person)");
                return cls.toArray(new String[0]);
            }
            case "zones": {
                String s = string(k, v);
                // zone syntax uses ':', ',' and ';' - '|' and newlines are free to separate zones
                return Arrays.stream(s.split("[|\\n]")).map(String::trim).filter(z -> !z.isEmpty()).toArray(String[]::new);
            }
            default:
                throw new IllegalArgumentException("unknown key '" + k + "'");
        }
    }

    private static String string(String k, Object v) {
        if (!(v instanceof String s)) throw type(k, v, "String");
        if (s.length() > MAX_STRING) throw new IllegalArgumentException(k + " is too long (" + s.length() + " > " + MAX_STRING + " chars)");
        if (s.chars().anyMatch(c -> c < 0x20 && c != '\n')) throw bad(k, "(control characters)", "printable text");
        return s;
    }

    private static double number(String k, Object v) {
        if (!(v instanceof Double || v instanceof Float || v instanceof Integer || v instanceof Long)) throw type(k, v, "number");
        double d = ((Number) v).doubleValue();
        if (!Double.isFinite(d)) throw bad(k, v, "a finite number");
        return d;
    }

    private static long integer(String k, Object v) {
        if (!(v instanceof Integer || v instanceof Long)) throw type(k, v, "integer (int32/int64 metric)");
        return ((Number) v).longValue();
    }

    private static IllegalArgumentException type(String k, Object v, String expected) {
        return new IllegalArgumentException(k + " must be a " + expected + " metric, got "
                + (v instanceof byte[] ? "bytes" : v.getClass().getSimpleName()));
    }

    private static IllegalArgumentException bad(String k, Object v, String expected) {
        String shown = String.valueOf(v);
        if (shown.length() > 80) shown = shown.substring(0, 80) + "...";
        return new IllegalArgumentException(k + " '" + shown + "' must be " + expected);
    }
}
