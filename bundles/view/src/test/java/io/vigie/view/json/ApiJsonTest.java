package io.vigie.view.json;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;

import io.vigie.api.detect.DetectorTopics;
import io.vigie.api.detect.ZoneState;
import io.vigie.api.model.ModelIdentity;
import io.vigie.api.model.Precision;

/** Pins the field names: web clients and cloud applications read them. */
class ApiJsonTest {
    static final ModelIdentity INT8 = new ModelIdentity("ssd-mobilenet-v2", Precision.INT8, "1.0.0",
            "7046f31a00000000000000000000000000000000000000000000000000000000");

    static List<String> keys(JsonObject o) {
        return new ArrayList<>(o.keySet());
    }

    @Test
    void modelIdentityFields() {
        JsonObject o = ApiJson.model(INT8).getAsJsonObject();
        assertEquals(List.of("name", "precision", "version", "sha256", "shortId"), keys(o));
        assertEquals("ssd-mobilenet-v2", o.get("name").getAsString());
        assertEquals("INT8", o.get("precision").getAsString());
        assertEquals("1.0.0", o.get("version").getAsString());
        assertEquals(INT8.sha256(), o.get("sha256").getAsString());
        assertEquals("ssd-mobilenet-v2/INT8/1.0.0@7046f31a", o.get("shortId").getAsString());
        assertTrue(ApiJson.model((ModelIdentity) null).isJsonNull());
        JsonArray two = ApiJson.models(List.of(INT8, new ModelIdentity("m", Precision.FP32, "2", "ab")));
        assertEquals(2, two.size());
        assertEquals("FP32", two.get(1).getAsJsonObject().get("precision").getAsString());
    }

    @Test
    void modelOfEventPropertiesFields() {
        Map<String, Object> ev = Map.of(DetectorTopics.MODEL_NAME, "ssd", DetectorTopics.MODEL_PRECISION, "FP32",
                DetectorTopics.MODEL_VERSION, "1.0.0", DetectorTopics.MODEL_SHA256, "abc");
        JsonObject o = ApiJson.modelOfEvent(ev);
        assertEquals(List.of("name", "precision", "version", "sha256"), keys(o));
        assertEquals("FP32", o.get("precision").getAsString());
        assertEquals("abc", o.get("sha256").getAsString());
        assertTrue(ApiJson.modelOfEvent(Map.of()).get("name").isJsonNull(), "missing key: null member");
    }

    @Test
    void zoneFieldsAndPolygon() {
        ZoneState z = new ZoneState("door", List.of(new float[] { 0.1f, 0.2f }, new float[] { 0.9f, 0.2f },
                new float[] { 0.5f }, new float[] { 0.5f, 0.8f }), 2, true);
        JsonArray a = ApiJson.zones(List.of(z));
        JsonObject o = a.get(0).getAsJsonObject();
        assertEquals(List.of("name", "persons", "intrusion", "polygon"), keys(o));
        assertEquals("door", o.get("name").getAsString());
        assertEquals(2, o.get("persons").getAsInt());
        assertTrue(o.get("intrusion").getAsBoolean());
        JsonArray poly = o.getAsJsonArray("polygon");
        assertEquals(3, poly.size(), "the one-coordinate point is left out");
        assertEquals(0.9f, poly.get(1).getAsJsonArray().get(0).getAsFloat());
        assertEquals(0.8f, poly.get(2).getAsJsonArray().get(1).getAsFloat());
    }
}
