package io.vigie.web.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.vigie.api.detect.DetectorStatus;
import io.vigie.api.detect.DetectorTopics;
import io.vigie.api.detect.FrameResult;
import io.vigie.api.detect.MotionGateStatus;
import io.vigie.api.model.ModelIdentity;
import io.vigie.api.model.Precision;
import io.vigie.api.video.SourceStatus;
import io.vigie.view.Fixtures;

class PrometheusAndJsonTest {
    private static final Pattern SAMPLE = Pattern.compile(
            "^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{((?:[a-zA-Z_][a-zA-Z0-9_]*=\"(?:[^\"\\\\]|\\\\.)*\",?)*)\\})? (\\S+)$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    record Sample(String name, Map<String, String> labels, double value) {
    }

    static List<Sample> parse(String text) {
        List<Sample> out = new ArrayList<>();
        Map<String, String> types = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.startsWith("# TYPE ")) {
                String[] p = line.split(" ");
                assertEquals(4, p.length, line);
                assertTrue(List.of("counter", "gauge", "histogram").contains(p[3]), line);
                assertFalse(types.containsKey(p[2]), "family declared twice: " + p[2]);
                types.put(p[2], p[3]);
                continue;
            }
            if (line.startsWith("# HELP ")) continue;
            Matcher m = SAMPLE.matcher(line);
            assertTrue(m.matches(), "not a valid exposition line: " + line);
            Map<String, String> labels = new LinkedHashMap<>();
            if (m.group(3) != null) {
                Matcher l = LABEL.matcher(m.group(3));
                while (l.find()) labels.put(l.group(1), l.group(2));
            }
            String v = m.group(4);
            double d = v.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(v);
            String family = m.group(1).replaceAll("_(bucket|sum|count)$", "");
            assertTrue(types.containsKey(m.group(1)) || types.containsKey(family), "sample before TYPE: " + line);
            out.add(new Sample(m.group(1), labels, d));
        }
        return out;
    }

    private static DetectorStatus status(ModelIdentity m) {
        return new DetectorStatus(DetectorStatus.State.RUNNING, null,
                new SourceStatus(SourceStatus.State.RUNNING, null, 1000, 17, 0, 10, 768, 576), m,
                List.of(m, new ModelIdentity("ssd", Precision.FP32, "1.0.0", "abc")), 983, 9.5, 3,
                List.of(Fixtures.zone("door", true, 1)), new MotionGateStatus(true, 700, 250, 33));
    }

    @Test
    void motionGateCountersInStatusAndMetricsJson() {
        JsonObject g = JsonMapper.status(status(Fixtures.MODEL)).getAsJsonObject("motionGate");
        assertTrue(g.get("enabled").getAsBoolean());
        assertEquals(700, g.get("skipped").getAsLong());
        assertEquals(250, g.get("motion").getAsLong());
        assertEquals(33, g.get("rechecks").getAsLong());
        assertEquals(700, JsonMapper.metrics(new WebMetrics(), status(Fixtures.MODEL), Fixtures.MODEL)
                .getAsJsonObject("motionGate").get("skipped").getAsLong());
        assertFalse(JsonMapper.metrics(new WebMetrics(), null, null).getAsJsonObject("motionGate").get("enabled")
                .getAsBoolean());
    }

    @Test
    void prometheusTextParsesAndCarriesTheNumbers() {
        WebMetrics m = new WebMetrics();
        for (int s = 1; s <= 10; s++) m.record(Fixtures.result(s == 10 ? 12 : s, List.of(), List.of()));
        m.intrusionStarted("door");
        m.intrusionStarted("door");
        m.intrusionStarted("gate \"2\"");
        ModelIdentity model = Fixtures.MODEL;
        String text = PrometheusWriter.write(m, status(model), model, 1, 2, 5);
        List<Sample> samples = parse(text);
        Map<String, Double> plain = new HashMap<>();
        for (Sample s : samples) if (s.labels().isEmpty()) plain.put(s.name(), s.value());
        assertEquals(9.5, plain.get("vigie_fps"));
        assertEquals(983, plain.get("vigie_frames_total"));
        assertEquals(700, plain.get("vigie_motion_skipped_frames_total"));
        assertEquals(17, plain.get("vigie_dropped_frames_total"));
        assertEquals(3, plain.get("vigie_sink_drops_total"));
        assertEquals(2, plain.get("vigie_web_sequence_gaps_total"));
        assertEquals(10, plain.get("vigie_latency_seconds_count"));
        assertEquals(0.4, plain.get("vigie_latency_seconds_sum"), 1e-9); // 10 x 40 ms

        // total latency 40 ms: le=0.025 -> 0, le=0.05 -> 10, +Inf -> count; buckets monotonic
        double prev = -1;
        for (Sample s : samples) {
            if (!s.name().equals("vigie_latency_seconds_bucket")) continue;
            assertTrue(s.value() >= prev);
            prev = s.value();
            if (s.labels().get("le").equals("0.025")) assertEquals(0, s.value());
            if (s.labels().get("le").equals("0.05")) assertEquals(10, s.value());
            if (s.labels().get("le").equals("+Inf")) assertEquals(10, s.value());
        }
        long inferenceInf = samples.stream().filter(s -> s.name().equals("vigie_stage_latency_seconds_bucket")
                && "inference".equals(s.labels().get("stage")) && "+Inf".equals(s.labels().get("le"))).count();
        assertEquals(1, inferenceInf);
        for (String st : WebMetrics.STAGES) {
            assertTrue(samples.stream().anyMatch(s -> s.name().equals("vigie_stage_latency_seconds_count")
                    && st.equals(s.labels().get("stage")) && s.value() == 10), st);
        }
        Sample info = samples.stream().filter(s -> s.name().equals("vigie_model_info")).findFirst().orElseThrow();
        assertEquals(Map.of("name", "ssd-mobilenet-v2", "precision", "INT8", "version", "1.0.0", "sha256", Fixtures.SHA),
                info.labels());
        assertEquals(1, info.value());
        Sample door = samples.stream().filter(s -> s.name().equals("vigie_intrusions_total")
                && "door".equals(s.labels().get("zone"))).findFirst().orElseThrow();
        assertEquals(2, door.value());
        assertTrue(text.contains("vigie_intrusions_total{zone=\"gate \\\"2\\\"\"} 1\n"), "label value escaped");
    }

    @Test
    void prometheusWithoutDetectorStillParses() {
        List<Sample> s = parse(PrometheusWriter.write(new WebMetrics(), null, null, 0, 0, 0));
        assertTrue(s.stream().anyMatch(x -> x.name().equals("vigie_up") && x.value() == 0));
        assertFalse(s.stream().anyMatch(x -> x.name().equals("vigie_model_info")));
    }

    @Test
    void frameResultJsonRoundTripCarriesModelIdentity() {
        FrameResult r = Fixtures.result(42, List.of(Fixtures.person(0.1f, 0.2f, 0.3f, 0.9f)),
                List.of(Fixtures.zone("door", true, 1)));
        JsonObject o = JsonParser.parseString(JsonMapper.toJson(JsonMapper.frameResult(r))).getAsJsonObject();
        assertEquals(42, o.get("seq").getAsLong());
        assertEquals(r.timestampMillis(), o.get("timestamp").getAsLong());
        JsonObject model = o.getAsJsonObject("model");
        assertEquals("ssd-mobilenet-v2", model.get("name").getAsString());
        assertEquals("INT8", model.get("precision").getAsString());
        assertEquals("1.0.0", model.get("version").getAsString());
        assertEquals(Fixtures.SHA, model.get("sha256").getAsString());
        assertEquals(Fixtures.MODEL.shortId(), model.get("shortId").getAsString());
        JsonObject d = o.getAsJsonArray("detections").get(0).getAsJsonObject();
        assertEquals("person", d.get("label").getAsString());
        assertEquals(0.87f, d.get("score").getAsFloat(), 1e-6);
        assertEquals(0.9f, d.getAsJsonObject("box").get("ymax").getAsFloat(), 1e-6);
        JsonObject z = o.getAsJsonArray("zones").get(0).getAsJsonObject();
        assertTrue(z.get("intrusion").getAsBoolean());
        assertEquals(4, z.getAsJsonArray("polygon").size());
        assertEquals(0.9f, z.getAsJsonArray("polygon").get(2).getAsJsonArray().get(0).getAsFloat(), 1e-6);
        assertEquals(30.0, o.getAsJsonObject("timings").get("inferenceMs").getAsDouble());
    }

    @Test
    void statusModelsAndMetricsJson() {
        DetectorStatus st = status(Fixtures.MODEL);
        JsonObject s = JsonParser.parseString(JsonMapper.toJson(JsonMapper.status(st))).getAsJsonObject();
        assertEquals("RUNNING", s.get("state").getAsString());
        assertEquals(17, s.getAsJsonObject("source").get("dropped").getAsLong());
        assertEquals(Fixtures.SHA, s.getAsJsonObject("activeModel").get("sha256").getAsString());
        assertEquals("ABSENT", JsonMapper.status(null).get("state").getAsString());

        JsonObject models = JsonMapper.models(st);
        assertEquals(2, models.getAsJsonArray("available").size());
        assertEquals("INT8", models.getAsJsonObject("active").get("precision").getAsString());
        assertTrue(JsonMapper.models(null).get("active").isJsonNull());

        WebMetrics m = new WebMetrics();
        JsonObject empty = JsonMapper.metrics(m, null, null);
        assertTrue(empty.getAsJsonObject("latencyMs").get("p50").isJsonNull());
        for (int i = 1; i <= 5; i++) m.record(Fixtures.result(i, List.of(), List.of()));
        JsonObject mj = JsonParser.parseString(JsonMapper.toJson(JsonMapper.metrics(m, st, Fixtures.MODEL)))
                .getAsJsonObject();
        assertEquals(40.0, mj.getAsJsonObject("latencyMs").get("p99").getAsDouble(), 1e-9);
        assertEquals(30.0, mj.getAsJsonObject("stagesMs").getAsJsonObject("inference").get("p50").getAsDouble(), 1e-9);
        assertEquals(983, mj.get("frames").getAsLong());
        assertEquals(17, mj.get("drops").getAsLong());
        assertEquals(Fixtures.SHA, mj.getAsJsonObject("model").get("sha256").getAsString());
    }

    @Test
    void intrusionEventPropertiesToJson() {
        Map<String, Object> p = new HashMap<>();
        p.put(DetectorTopics.ZONE, "door");
        p.put(DetectorTopics.PERSONS, 2);
        p.put(DetectorTopics.STARTED, 1000L);
        p.put(DetectorTopics.TIMESTAMP, 2000L);
        p.put(DetectorTopics.SEQUENCE, 77L);
        p.put(DetectorTopics.MODEL_NAME, "ssd");
        p.put(DetectorTopics.MODEL_PRECISION, "INT8");
        p.put(DetectorTopics.MODEL_VERSION, "1");
        p.put(DetectorTopics.MODEL_SHA256, "abc");
        p.put(DetectorTopics.DETECTIONS_JSON, "[{\"label\":\"person\",\"score\":0.9}]");
        JsonObject o = JsonMapper.intrusion("START", p);
        assertEquals("START", o.get("type").getAsString());
        assertEquals("door", o.get("zone").getAsString());
        assertEquals(2, o.get("persons").getAsInt());
        assertEquals("abc", o.getAsJsonObject("model").get("sha256").getAsString());
        assertEquals("person", o.getAsJsonArray("detections").get(0).getAsJsonObject().get("label").getAsString());
        p.put(DetectorTopics.DETECTIONS_JSON, "[not json");
        assertEquals("[not json", JsonMapper.intrusion("END", p).get("detectionsRaw").getAsString());
    }

    @Test
    void settingsValidation() {
        WebSettings s = WebSettings.DEFAULTS;
        assertEquals(10, s.clientFps(null));
        assertEquals(2.5, s.clientFps("2.5"));
        assertEquals(10, s.clientFps("50"), "client cannot exceed the configured cap");
        assertThrows(IllegalArgumentException.class, () -> s.clientFps("fast"));
        assertThrows(IllegalArgumentException.class, () -> s.clientFps("0"));
        assertEquals(50, new WebSettings(75, 0, 4, 8, 10).clientFps("50"), "no configured cap");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new WebSettings(0, -1, 0, 8, 10));
        assertTrue(e.getMessage().contains("jpeg.quality") && e.getMessage().contains("stream.max.fps")
                && e.getMessage().contains("stream.max.clients"), e.getMessage());
    }
}
