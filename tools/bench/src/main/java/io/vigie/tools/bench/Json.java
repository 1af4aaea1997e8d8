package io.vigie.tools.bench;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

/**
 * The bench's JSON: how it is written (Gson, nulls kept for stable shapes, no HTML escaping) and null-safe reads of
 * nested numbers/strings (the gateway API keeps nulls too).
 */
public final class Json {
    /** The report files. */
    static final Gson PRETTY = new GsonBuilder().serializeNulls().setPrettyPrinting().disableHtmlEscaping().create();
    private static final Gson LINE = new GsonBuilder().serializeNulls().disableHtmlEscaping().create();

    private Json() {
    }

    /** On one line: a child process's result, read back by the parent. */
    public static String line(Object o) {
        return LINE.toJson(o);
    }

    public static JsonElement at(JsonObject o, String... path) {
        JsonElement e = o;
        for (String p : path) {
            if (e == null || !e.isJsonObject()) return null;
            e = e.getAsJsonObject().get(p);
        }
        return e == null || e.isJsonNull() ? null : e;
    }

    public static Double num(JsonObject o, String... path) {
        JsonElement e = at(o, path);
        if (e == null || !e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()) return null;
        return e.getAsDouble();
    }

    public static String str(JsonObject o, String... path) {
        JsonElement e = at(o, path);
        return e == null || !e.isJsonPrimitive() ? null : e.getAsString();
    }

    /** Rounded for the report (3 decimals), null stays null; NaN/infinite become null (JSON has none). */
    public static Double round(Double v) {
        if (v == null || v.isNaN() || v.isInfinite()) return null;
        return Math.round(v * 1000.0) / 1000.0;
    }
}
