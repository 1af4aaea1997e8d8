package io.vigie.web.core;

import java.util.Locale;
import java.util.Map;

import io.vigie.api.detect.DetectorStatus;
import io.vigie.api.model.ModelIdentity;

/** Prometheus text exposition format 0.0.4. */
public final class PrometheusWriter {
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final StringBuilder sb = new StringBuilder(4096);

    public PrometheusWriter family(String name, String type, String help) {
        sb.append("# HELP ").append(name).append(' ').append(help.replace("\\", "\\\\").replace("\n", "\\n")).append('\n');
        sb.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        return this;
    }

    /** @param labels alternating name, value pairs */
    public PrometheusWriter sample(String name, double value, String... labels) {
        sb.append(name);
        if (labels.length > 0) {
            sb.append('{');
            for (int i = 0; i + 1 < labels.length; i += 2) {
                if (i > 0) sb.append(',');
                sb.append(labels[i]).append("=\"").append(escape(labels[i + 1])).append('"');
            }
            sb.append('}');
        }
        return value(value);
    }

    /** Bucket, sum and count lines of one histogram series (family header written separately). */
    public PrometheusWriter histogram(String name, LatencyHistogram.Snapshot s, String... labels) {
        for (int i = 0; i < s.bounds().length; i++) {
            sample(name + "_bucket", s.cumulative()[i], concat(labels, "le", number(s.bounds()[i])));
        }
        sample(name + "_bucket", s.count(), concat(labels, "le", "+Inf"));
        sample(name + "_sum", s.sum(), labels);
        sample(name + "_count", s.count(), labels);
        return this;
    }

    @Override
    public String toString() {
        return sb.toString();
    }

    /**
     * Everything /vigie/metrics exposes.
     *
     * @param status detector status, or null when no detector is bound
     * @param model  the active model (status' or the latest result's), or null
     */
    public static String write(WebMetrics m, DetectorStatus status, ModelIdentity model, int streamClients,
            int sseClients, long sseDrops) {
        PrometheusWriter w = new PrometheusWriter();
        w.family("vigie_up", "gauge", "1 when a detector service is bound and RUNNING")
                .sample("vigie_up", status != null && status.state() == DetectorStatus.State.RUNNING ? 1 : 0);
        w.family("vigie_fps", "gauge", "Processed frames per second (the detector's recent window; 0 without detector)")
                .sample("vigie_fps", status != null ? status.fps() : 0);
        w.family("vigie_frames_total", "counter", "Frames that produced a result (inferred or reused by the motion gate)")
                .sample("vigie_frames_total", status != null ? status.framesProcessed() : m.frames());
        w.family("vigie_motion_skipped_frames_total", "counter", "Frames whose inference the motion gate skipped")
                .sample("vigie_motion_skipped_frames_total", status != null ? status.motionGate().skipped() : 0);
        w.family("vigie_dropped_frames_total", "counter", "Frames decoded but replaced by a newer one before inference")
                .sample("vigie_dropped_frames_total",
                        status != null && status.source() != null ? status.source().dropped() : 0);
        w.family("vigie_sink_drops_total", "counter", "Results dropped by slow sinks")
                .sample("vigie_sink_drops_total", status != null ? status.sinkDrops() : 0);
        w.family("vigie_web_frames_total", "counter", "Results received by the web sink")
                .sample("vigie_web_frames_total", m.frames());
        w.family("vigie_web_sequence_gaps_total", "counter", "Frame sequence numbers the web sink never received")
                .sample("vigie_web_sequence_gaps_total", m.sequenceGaps());
        w.family("vigie_latency_seconds", "histogram", "End-to-end per-frame latency (decode to result)")
                .histogram("vigie_latency_seconds", m.total().snapshot());
        w.family("vigie_stage_latency_seconds", "histogram", "Per-stage per-frame latency");
        for (int i = 0; i < WebMetrics.STAGES.length; i++) {
            w.histogram("vigie_stage_latency_seconds", m.stage(i).snapshot(), "stage", WebMetrics.STAGES[i]);
        }
        w.family("vigie_model_swaps_total", "counter", "Completed model swaps (since the web bundle started)")
                .sample("vigie_model_swaps_total", m.swaps());
        w.family("vigie_model_failures_total", "counter", "Models refused (load or validation failed)")
                .sample("vigie_model_failures_total", m.modelFailures());
        if (!Double.isNaN(m.lastSwapMillis())) {
            w.family("vigie_model_last_swap_seconds", "gauge", "Last model swap: request to first frame on the new model")
                    .sample("vigie_model_last_swap_seconds", m.lastSwapMillis() / 1000.0);
        }
        w.family("vigie_model_info", "gauge", "Active model identity");
        if (model != null) {
            w.sample("vigie_model_info", 1, "name", model.name(), "precision", model.precision().name(), "version",
                    model.version(), "sha256", model.sha256());
        }
        w.family("vigie_intrusions_total", "counter", "Intrusions started, per zone (since the web bundle started)");
        for (Map.Entry<String, Long> e : m.intrusions().entrySet()) {
            w.sample("vigie_intrusions_total", e.getValue(), "zone", e.getKey());
        }
        w.family("vigie_stream_clients", "gauge", "Connected MJPEG clients").sample("vigie_stream_clients", streamClients);
        w.family("vigie_sse_clients", "gauge", "Connected SSE clients").sample("vigie_sse_clients", sseClients);
        w.family("vigie_sse_drops_total", "counter", "SSE messages dropped for slow clients")
                .sample("vigie_sse_drops_total", sseDrops);
        return w.toString();
    }

    static String escape(String v) {
        return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    static String number(double v) {
        if (Double.isNaN(v)) return "NaN";
        if (Double.isInfinite(v)) return v > 0 ? "+Inf" : "-Inf";
        if (v == Math.rint(v) && Math.abs(v) < 1e15) return Long.toString((long) v);
        return String.format(Locale.ROOT, "%s", Double.toString(v));
    }

    private PrometheusWriter value(double v) {
        sb.append(' ').append(number(v)).append('\n');
        return this;
    }

    private static String[] concat(String[] a, String k, String v) {
        String[] r = new String[a.length + 2];
        System.arraycopy(a, 0, r, 0, a.length);
        r[a.length] = k;
        r[a.length + 1] = v;
        return r;
    }
}
