package io.vigie.view.json;

import java.util.Collection;
import java.util.List;
import java.util.Map;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;

import io.vigie.api.detect.DetectorTopics;
import io.vigie.api.detect.ZoneState;
import io.vigie.api.model.ModelIdentity;

/**
 * Model identities and zones as JSON, built explicitly: the field names are our public contract, not
 * Java's (and Gson 2.9 cannot reflect records). Null members are kept as JsonNull; whether they are
 * written is the caller's Gson setting. Stateless and thread-safe.
 */
public final class ApiJson {
    private ApiJson() {
    }

    /** {name, precision, version, sha256, shortId}, or JsonNull for no model. */
    public static JsonElement model(ModelIdentity m) {
        if (m == null) return JsonNull.INSTANCE;
        JsonObject o = new JsonObject();
        o.addProperty("name", m.name());
        o.addProperty("precision", m.precision().name());
        o.addProperty("version", m.version());
        o.addProperty("sha256", m.sha256());
        o.addProperty("shortId", m.shortId());
        return o;
    }

    /** [{@link #model}...] */
    public static JsonArray models(Collection<ModelIdentity> models) {
        JsonArray a = new JsonArray();
        for (ModelIdentity m : models) a.add(model(m));
        return a;
    }

    /**
     * The model identity carried by a detector event's plain properties (DetectorTopics.MODEL_*) as
     * {name, precision, version, sha256}; a missing key is a null member.
     */
    public static JsonObject modelOfEvent(Map<String, ?> eventProperties) {
        JsonObject m = new JsonObject();
        m.addProperty("name", str(eventProperties.get(DetectorTopics.MODEL_NAME)));
        m.addProperty("precision", str(eventProperties.get(DetectorTopics.MODEL_PRECISION)));
        m.addProperty("version", str(eventProperties.get(DetectorTopics.MODEL_VERSION)));
        m.addProperty("sha256", str(eventProperties.get(DetectorTopics.MODEL_SHA256)));
        return m;
    }

    /** [{name, persons, intrusion, polygon[[x,y]...]}...]; malformed points are left out. */
    public static JsonArray zones(List<ZoneState> zones) {
        JsonArray a = new JsonArray();
        for (ZoneState z : zones) {
            JsonObject o = new JsonObject();
            o.addProperty("name", z.name());
            o.addProperty("persons", z.persons());
            o.addProperty("intrusion", z.intrusion());
            JsonArray poly = new JsonArray();
            for (float[] p : z.polygon()) {
                if (p == null || p.length < 2) continue;
                JsonArray xy = new JsonArray();
                xy.add(p[0]);
                xy.add(p[1]);
                poly.add(xy);
            }
            o.add("polygon", poly);
            a.add(o);
        }
        return a;
    }

    private static String str(Object o) {
        return o == null ? null : o.toString();
    }
}
