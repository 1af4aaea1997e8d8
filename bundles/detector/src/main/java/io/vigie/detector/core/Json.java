package io.vigie.detector.core;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;

import io.vigie.api.inference.Detection;

/** The detections JSON of intrusion events (EventAdmin carries plain strings, not our classes). */
final class Json {
    private Json() {
    }

    /** [{label, score, xmin, ymin, xmax, ymax}], numbers with four decimals. */
    static String detections(List<Detection> ds) {
        JsonArray a = new JsonArray(ds.size());
        for (Detection d : ds) {
            JsonObject o = new JsonObject();
            o.addProperty("label", d.label());
            o.add("score", num(d.score()));
            o.add("xmin", num(d.xmin()));
            o.add("ymin", num(d.ymin()));
            o.add("xmax", num(d.xmax()));
            o.add("ymax", num(d.ymax()));
            a.add(o);
        }
        return a.toString();
    }

    /** Four decimals as before (0.9000); non-finite values become null (JSON has no NaN). */
    private static JsonElement num(float v) {
        if (!Float.isFinite(v)) return JsonNull.INSTANCE;
        return new JsonPrimitive(BigDecimal.valueOf(v).setScale(4, RoundingMode.HALF_UP));
    }
}
