package io.vigie.telemetry.core;

import java.util.Date;
import java.util.Map;

import org.eclipse.kura.message.KuraPayload;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonParser;

import io.vigie.api.detect.DetectorStatus;
import io.vigie.api.detect.DetectorTopics;
import io.vigie.api.model.ModelIdentity;
import io.vigie.api.ota.OtaTopics;

/** Builds the KuraPayloads (metric names are documented in the bundle README). */
public final class Payloads {
    private Payloads() {
    }

    /** Intrusion START/END from the detector's event properties; snapshot may be null. */
    public static KuraPayload intrusion(String type, Map<String, Object> ev, Snapshot snap, String snapshotError) {
        KuraPayload p = new KuraPayload();
        long ts = asLong(ev.get(DetectorTopics.TIMESTAMP), System.currentTimeMillis());
        p.setTimestamp(new Date(ts));
        p.addMetric("type", type);
        putString(p, "zone", ev.get(DetectorTopics.ZONE));
        p.addMetric("persons", (int) asLong(ev.get(DetectorTopics.PERSONS), 0));
        p.addMetric("started", asLong(ev.get(DetectorTopics.STARTED), ts));
        p.addMetric("timestamp", ts);
        p.addMetric("sequence", asLong(ev.get(DetectorTopics.SEQUENCE), -1));
        Object dets = ev.get(DetectorTopics.DETECTIONS_JSON);
        String json = dets instanceof String s ? s : "[]";
        p.addMetric("detections", json);
        int boxes = 0;
        double best = 0;
        try {
            JsonElement e = JsonParser.parseString(json);
            if (e.isJsonArray()) {
                JsonArray a = e.getAsJsonArray();
                boxes = a.size();
                for (JsonElement d : a) {
                    JsonElement sc = d.isJsonObject() ? d.getAsJsonObject().get("score") : null;
                    if (sc != null && sc.isJsonPrimitive()) best = Math.max(best, sc.getAsDouble());
                }
            }
        } catch (RuntimeException ignored) {
            // the detector always sends valid JSON; a broken string is still forwarded as-is
        }
        p.addMetric("boxes", boxes);
        p.addMetric("score.max", best);
        putModel(p, ev);
        if (snap != null) {
            p.setBody(snap.jpeg());
            p.addMetric("snapshot", true);
            p.addMetric("snapshot.bytes", snap.jpeg().length);
            p.addMetric("snapshot.width", snap.width());
            p.addMetric("snapshot.height", snap.height());
            p.addMetric("snapshot.sequence", snap.sequence());
            p.addMetric("snapshot.annotated", snap.annotated());
        } else {
            p.addMetric("snapshot", false);
            if (snapshotError != null) p.addMetric("snapshot.error", snapshotError);
        }
        return p;
    }

    /** Model changed (swap.ms when known) or failed (error). */
    public static KuraPayload model(Map<String, Object> ev, long nowMillis) {
        KuraPayload p = new KuraPayload();
        p.setTimestamp(new Date(nowMillis));
        Object err = ev.get(DetectorTopics.ERROR);
        p.addMetric("type", err == null ? "MODEL_CHANGED" : "MODEL_FAILED");
        putModel(p, ev);
        if (err != null) p.addMetric("error", String.valueOf(err));
        Object swap = ev.get(DetectorTopics.SWAP_MS);
        if (swap instanceof Number n) p.addMetric("swap.ms", n.doubleValue());
        Object seq = ev.get(DetectorTopics.SEQUENCE);
        if (seq instanceof Number n) p.addMetric("sequence", n.longValue());
        return p;
    }

    /** A deployment package operation finished (DeploymentAdmin COMPLETE); operation may be null if its start was missed. */
    public static KuraPayload deployment(String operation, Map<String, Object> ev, long nowMillis) {
        KuraPayload p = new KuraPayload();
        p.setTimestamp(new Date(nowMillis));
        p.addMetric("type", "DP_COMPLETE");
        if (operation != null) p.addMetric("dp.operation", operation);
        putString(p, "dp.name", ev.get("deploymentpackage.name"));
        putString(p, "dp.readable.name", ev.get("deploymentpackage.readablename"));
        putString(p, "dp.version.current", ev.get("deploymentpackage.currentversion"));
        putString(p, "dp.version.next", ev.get("deploymentpackage.nextversion"));
        Object ok = ev.get("successful");
        if (ok instanceof Boolean b) p.addMetric("successful", b);
        return p;
    }

    /**
     * An OTA event ({@code kind} = the topic's last level): {@code type} OTA_&lt;kind&gt; and the event's properties under
     * their {@link OtaTopics} names (String[] joined with commas); payload timestamp = the verdict or install time.
     */
    public static KuraPayload ota(String kind, Map<String, Object> ev, long nowMillis) {
        KuraPayload p = new KuraPayload();
        long at = asLong(ev.get(OtaTopics.VERDICT_AT), asLong(ev.get(OtaTopics.INSTALLED_AT), nowMillis));
        p.setTimestamp(new Date(at));
        p.addMetric("type", OtaTopics.TYPE_PREFIX + kind);
        for (String k : OtaTopics.KEYS) {
            Object v = ev.get(k);
            if (v instanceof String[] a) p.addMetric(k, String.join(",", a));
            else if (v instanceof Integer || v instanceof Long || v instanceof Boolean) p.addMetric(k, v);
            else if (v != null) p.addMetric(k, String.valueOf(v));
        }
        return p;
    }

    /** Telemetry's own counters, in metrics messages and the status reply. */
    public record Counters(long sent, long urgentOverRate, long rateDropped, long noPublisher, long failed,
            String lastError, long intrusions, long snapshotsFailed, String configError) {
    }

    /**
     * Periodic metrics: the window's aggregates, the detector's status (may be null when absent),
     * process figures and telemetry's counters.
     */
    public static KuraPayload metrics(FrameAggregator.Window w, DetectorStatus st, double cpuPercent, long rssBytes,
            long uptimeMs, Counters c, long nowMillis) {
        KuraPayload p = new KuraPayload();
        p.setTimestamp(new Date(nowMillis));
        p.addMetric("window.s", w.seconds());
        p.addMetric("frames", w.frames());
        p.addMetric("fps", w.fps());
        // absent rather than NaN when no frame had a timing (simple-json cannot carry NaN)
        putFinite(p, "latency.p50.ms", w.p50());
        putFinite(p, "latency.p95.ms", w.p95());
        putFinite(p, "latency.p99.ms", w.p99());
        putFinite(p, "latency.max.ms", w.max());
        p.addMetric("frames.sequence.gaps", w.sequenceGaps());
        p.addMetric("persons.max", w.personsMax());
        p.addMetric("frames.with.persons", w.framesWithPersons());
        if (st != null) {
            p.addMetric("detector.state", st.state().name());
            if (st.error() != null) p.addMetric("detector.error", st.error());
            p.addMetric("frames.total", st.framesProcessed());
            p.addMetric("drops.sink", st.sinkDrops());
            if (st.source() != null) {
                p.addMetric("drops.source", st.source().dropped());
                p.addMetric("source.decoded", st.source().decoded());
                p.addMetric("source.reconnects", st.source().reconnects());
            }
            long active = st.zones().stream().filter(z -> z.intrusion()).count();
            p.addMetric("intrusions.active", (int) active);
        } else {
            p.addMetric("detector.state", "ABSENT");
        }
        ModelIdentity m = st != null && st.activeModel() != null ? st.activeModel() : w.model();
        if (m != null) putModel(p, m);
        if (cpuPercent >= 0) putFinite(p, "cpu.percent", cpuPercent);
        if (rssBytes >= 0) p.addMetric("rss.bytes", rssBytes);
        p.addMetric("uptime.s", uptimeMs / 1000L);
        putCounters(p, c);
        return p;
    }

    public static void putCounters(KuraPayload p, Counters c) {
        p.addMetric("telemetry.sent", c.sent());
        p.addMetric("telemetry.urgent.over.rate", c.urgentOverRate());
        p.addMetric("telemetry.rate.dropped", c.rateDropped());
        p.addMetric("telemetry.no.publisher", c.noPublisher());
        p.addMetric("telemetry.publish.errors", c.failed());
        if (c.lastError() != null) p.addMetric("telemetry.last.error", c.lastError());
        p.addMetric("telemetry.intrusions", c.intrusions());
        p.addMetric("telemetry.snapshots.failed", c.snapshotsFailed());
        if (c.configError() != null) p.addMetric("telemetry.config.error", c.configError());
    }

    /** model.* metrics from event properties (same keys as {@link ModelIdentity#toProperties()}). */
    static void putModel(KuraPayload p, Map<String, Object> ev) {
        putString(p, "model.name", ev.get(DetectorTopics.MODEL_NAME));
        putString(p, "model.precision", ev.get(DetectorTopics.MODEL_PRECISION));
        putString(p, "model.version", ev.get(DetectorTopics.MODEL_VERSION));
        putString(p, "model.sha256", ev.get(DetectorTopics.MODEL_SHA256));
    }

    static void putModel(KuraPayload p, ModelIdentity m) {
        p.addMetric("model.name", m.name());
        p.addMetric("model.precision", m.precision().name());
        p.addMetric("model.version", m.version());
        p.addMetric("model.sha256", m.sha256());
    }

    static void putFinite(KuraPayload p, String name, double v) {
        if (Double.isFinite(v)) p.addMetric(name, v);
    }

    private static void putString(KuraPayload p, String name, Object v) {
        if (v != null) p.addMetric(name, String.valueOf(v));
    }

    static long asLong(Object v, long dflt) {
        if (v instanceof Number n) return n.longValue();
        if (v instanceof String s) {
            try {
                return Long.parseLong(s.trim());
            } catch (NumberFormatException e) {
                return dflt;
            }
        }
        return dflt;
    }
}
