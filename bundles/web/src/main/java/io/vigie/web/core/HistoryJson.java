package io.vigie.web.core;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;

/**
 * {@code /vigie/api/history} as columns (what uPlot draws directly): {@code t} in epoch seconds, one array per
 * series, null where a second had no value, and the marks. Field names are the dashboard's contract.
 */
public final class HistoryJson {
    private HistoryJson() {
    }

    public static JsonObject toJson(History.Snapshot s, int capacitySeconds) {
        JsonObject o = new JsonObject();
        o.addProperty("intervalSeconds", 1);
        o.addProperty("capacitySeconds", capacitySeconds);
        JsonArray t = new JsonArray();
        for (long ms : s.timeMillis()) t.add(ms / 1000.0);
        o.add("t", t);
        o.add("fps", column(s.fps(), 100));
        o.add("p50Ms", column(s.p50(), 100));
        o.add("p95Ms", column(s.p95(), 100));
        JsonObject stages = new JsonObject();
        for (int i = 0; i < History.STAGES; i++) stages.add(WebMetrics.STAGES[i] + "Ms", column(s.stages()[i], 100));
        o.add("stages", stages);
        o.add("gaps", column(s.gaps(), 1));
        o.add("cpuPercent", column(s.cpu(), 10));
        o.add("rssMb", column(s.rssMb(), 10));
        JsonArray marks = new JsonArray();
        for (History.Mark m : s.marks()) {
            JsonObject j = new JsonObject();
            j.addProperty("t", m.timeMillis() / 1000.0);
            j.addProperty("kind", m.kind());
            j.addProperty("text", m.text());
            if (m.swapMs() != null) j.addProperty("swapMs", Math.round(m.swapMs() * 10) / 10.0);
            if (m.sequence() != null) j.addProperty("sequence", m.sequence());
            if (m.sequence() != null) j.addProperty("framesLost", m.framesLost());
            marks.add(j);
        }
        o.add("marks", marks);
        return o;
    }

    /** Rounded to 1/scale (keeps 900-point answers small); NaN as null. */
    private static JsonArray column(double[] v, int scale) {
        JsonArray a = new JsonArray(v.length);
        for (double d : v) {
            if (Double.isNaN(d) || Double.isInfinite(d)) a.add(JsonNull.INSTANCE);
            else a.add(Math.round(d * scale) / (double) scale);
        }
        return a;
    }
}
