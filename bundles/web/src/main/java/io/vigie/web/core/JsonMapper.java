package io.vigie.web.core;

import java.util.Map;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import io.vigie.api.detect.DetectorStatus;
import io.vigie.api.detect.DetectorTopics;
import io.vigie.api.detect.FrameResult;
import io.vigie.api.detect.MotionGateStatus;
import io.vigie.api.detect.Timings;
import io.vigie.api.inference.Detection;
import io.vigie.api.model.ModelIdentity;
import io.vigie.api.video.SourceStatus;
import io.vigie.view.json.ApiJson;

/**
 * API objects to JSON (nulls kept so shapes stay stable), built explicitly (field names are our public
 * contract, not Java's; Gson 2.9 cannot reflect records anyway); model identities and zones come from
 * the shared {@link ApiJson}. Stateless and thread-safe.
 */
public final class JsonMapper {
    private static final Gson GSON = new GsonBuilder().serializeNulls().serializeSpecialFloatingPointValues()
            .disableHtmlEscaping().create();

    private JsonMapper() {
    }

    public static String toJson(JsonElement e) {
        return GSON.toJson(e);
    }

    public static JsonObject detection(Detection d) {
        JsonObject o = new JsonObject();
        o.addProperty("label", d.label());
        o.addProperty("classId", d.classId());
        o.addProperty("score", d.score());
        JsonObject box = new JsonObject();
        box.addProperty("xmin", d.xmin());
        box.addProperty("ymin", d.ymin());
        box.addProperty("xmax", d.xmax());
        box.addProperty("ymax", d.ymax());
        o.add("box", box);
        return o;
    }

    public static JsonElement timings(Timings t) {
        if (t == null) return JsonNull.INSTANCE;
        JsonObject o = new JsonObject();
        o.addProperty("decodeMs", t.decodeMillis());
        o.addProperty("preprocessMs", t.preprocessMillis());
        o.addProperty("inferenceMs", t.inferenceMillis());
        o.addProperty("postprocessMs", t.postprocessMillis());
        o.addProperty("totalMs", t.totalMillis());
        return o;
    }

    /** {seq, timestamp, width, height, detections[], zones[], model{}, timings{}} */
    public static JsonObject frameResult(FrameResult r) {
        JsonObject o = new JsonObject();
        o.addProperty("seq", r.sequence());
        o.addProperty("timestamp", r.timestampMillis());
        o.addProperty("width", r.width());
        o.addProperty("height", r.height());
        JsonArray dets = new JsonArray();
        for (Detection d : r.detections()) dets.add(detection(d));
        o.add("detections", dets);
        o.add("zones", ApiJson.zones(r.zones()));
        o.add("model", ApiJson.model(r.model()));
        o.add("timings", timings(r.timings()));
        return o;
    }

    public static JsonElement source(SourceStatus s) {
        if (s == null) return JsonNull.INSTANCE;
        JsonObject o = new JsonObject();
        o.addProperty("state", s.state() == null ? null : s.state().name());
        o.addProperty("error", s.error());
        o.addProperty("decoded", s.decoded());
        o.addProperty("dropped", s.dropped());
        o.addProperty("reconnects", s.reconnects());
        o.addProperty("fps", s.fps());
        o.addProperty("width", s.width());
        o.addProperty("height", s.height());
        return o;
    }

    /** DetectorStatus, or {state:"ABSENT"} when no detector is bound. */
    public static JsonObject status(DetectorStatus s) {
        JsonObject o = new JsonObject();
        if (s == null) {
            o.addProperty("state", "ABSENT");
            o.addProperty("error", "no detector service");
            return o;
        }
        o.addProperty("state", s.state() == null ? null : s.state().name());
        o.addProperty("error", s.error());
        o.add("source", source(s.source()));
        o.add("activeModel", ApiJson.model(s.activeModel()));
        o.add("availableModels", ApiJson.models(s.availableModels()));
        o.addProperty("framesProcessed", s.framesProcessed());
        o.addProperty("fps", s.fps());
        o.addProperty("sinkDrops", s.sinkDrops());
        o.add("zones", ApiJson.zones(s.zones()));
        o.add("motionGate", motionGate(s.motionGate()));
        return o;
    }

    /** {enabled, skipped, motion, rechecks}: frames the motion gate skipped / inferred for motion / re-checked. */
    static JsonObject motionGate(MotionGateStatus g) {
        JsonObject o = new JsonObject();
        o.addProperty("enabled", g.enabled());
        o.addProperty("skipped", g.skipped());
        o.addProperty("motion", g.motion());
        o.addProperty("rechecks", g.rechecks());
        return o;
    }

    /** {active, available[]} */
    public static JsonObject models(DetectorStatus s) {
        JsonObject o = new JsonObject();
        o.add("active", ApiJson.model(s == null ? null : s.activeModel()));
        o.add("available", s == null ? new JsonArray() : ApiJson.models(s.availableModels()));
        return o;
    }

    /** {fps, latencyMs{p50,p95,p99}, stagesMs{stage:{p50,p95,p99}}, frames, drops, sinkDrops, motionGate{}, model} */
    public static JsonObject metrics(WebMetrics m, DetectorStatus s, ModelIdentity model) {
        JsonObject o = new JsonObject();
        o.addProperty("fps", s != null ? s.fps() : 0);
        o.add("latencyMs", quantilesMs(m.total()));
        JsonObject stages = new JsonObject();
        for (int i = 0; i < WebMetrics.STAGES.length; i++) stages.add(WebMetrics.STAGES[i], quantilesMs(m.stage(i)));
        o.add("stagesMs", stages);
        o.addProperty("frames", s != null ? s.framesProcessed() : m.frames());
        o.addProperty("drops", s != null && s.source() != null ? s.source().dropped() : 0);
        o.addProperty("sinkDrops", s != null ? s.sinkDrops() : 0);
        o.add("motionGate", motionGate(s != null ? s.motionGate() : MotionGateStatus.OFF));
        o.addProperty("webFrames", m.frames());
        o.addProperty("webSequenceGaps", m.sequenceGaps());
        o.addProperty("modelSwaps", m.swaps());
        o.add("lastSwapMs", Double.isNaN(m.lastSwapMillis()) ? JsonNull.INSTANCE
                : new com.google.gson.JsonPrimitive(Math.round(m.lastSwapMillis() * 10) / 10.0));
        o.addProperty("modelFailures", m.modelFailures());
        JsonObject intr = new JsonObject();
        m.intrusions().forEach(intr::addProperty);
        o.add("intrusions", intr);
        o.add("model", ApiJson.model(model));
        return o;
    }

    private static JsonObject quantilesMs(LatencyHistogram h) {
        JsonObject o = new JsonObject();
        o.add("p50", ms(h.recentQuantile(0.50)));
        o.add("p95", ms(h.recentQuantile(0.95)));
        o.add("p99", ms(h.recentQuantile(0.99)));
        o.addProperty("count", h.count());
        return o;
    }

    private static JsonElement ms(double seconds) {
        if (Double.isNaN(seconds)) return JsonNull.INSTANCE;
        return new com.google.gson.JsonPrimitive(Math.round(seconds * 1e6) / 1e3);
    }

    /** A MODEL EventAdmin event as {type:"MODEL", model{}, swapMs, sequence, error}. */
    public static JsonObject modelEvent(Map<String, ?> p) {
        JsonObject o = new JsonObject();
        o.addProperty("type", "MODEL");
        o.add("model", ApiJson.modelOfEvent(p));
        o.addProperty("swapMs", num(p.get(DetectorTopics.SWAP_MS)));
        o.addProperty("sequence", num(p.get(DetectorTopics.SEQUENCE)));
        o.addProperty("error", str(p.get(DetectorTopics.ERROR)));
        return o;
    }

    /**
     * An intrusion EventAdmin event's properties (plain types, see DetectorTopics) as
     * {type, zone, started, timestamp, persons, sequence, model{}, detections[]}.
     */
    public static JsonObject intrusion(String type, Map<String, ?> p) {
        JsonObject o = new JsonObject();
        o.addProperty("type", type);
        o.addProperty("zone", str(p.get(DetectorTopics.ZONE)));
        o.addProperty("started", num(p.get(DetectorTopics.STARTED)));
        o.addProperty("timestamp", num(p.get(DetectorTopics.TIMESTAMP)));
        o.addProperty("persons", num(p.get(DetectorTopics.PERSONS)));
        o.addProperty("sequence", num(p.get(DetectorTopics.SEQUENCE)));
        if (p.get(DetectorTopics.MODEL_NAME) != null) o.add("model", ApiJson.modelOfEvent(p));
        Object dets = p.get(DetectorTopics.DETECTIONS_JSON);
        if (dets instanceof String s && !s.isEmpty()) {
            try {
                o.add("detections", JsonParser.parseString(s));
            } catch (JsonParseException e) {
                o.addProperty("detectionsRaw", s);
            }
        }
        return o;
    }

    private static String str(Object o) {
        return o == null ? null : o.toString();
    }

    private static Number num(Object o) {
        if (o instanceof Number n) return n;
        if (o instanceof String s) {
            try {
                return Double.parseDouble(s);
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }
}
