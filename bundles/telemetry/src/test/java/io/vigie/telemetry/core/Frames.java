package io.vigie.telemetry.core;

import java.util.ArrayList;
import java.util.List;

import io.vigie.api.detect.FrameResult;
import io.vigie.api.detect.Timings;
import io.vigie.api.detect.ZoneState;
import io.vigie.api.inference.Detection;
import io.vigie.api.model.ModelIdentity;
import io.vigie.api.model.Precision;

/** Test data. */
final class Frames {
    static final ModelIdentity INT8 = new ModelIdentity("ssd-mobilenet-v2", Precision.INT8, "1.0.0",
            "7046f31a00000000000000000000000000000000000000000000000000000000");

    static FrameResult frame(long seq, double totalMs, int persons) {
        List<Detection> ds = new ArrayList<>();
        for (int i = 0; i < persons; i++) ds.add(new Detection(0, "person", 0.8f, 0.1f * i, 0.2f, 0.1f * i + 0.1f, 0.9f));
        List<ZoneState> zones = List.of(new ZoneState("floor", List.of(new float[] { 0, 0.5f }, new float[] { 1, 0.5f },
                new float[] { 1, 1 }), persons, persons > 0));
        return new FrameResult(seq, 1000 + seq, 64, 48, ds, zones, INT8, new Timings(1, 1, totalMs - 3, 1, totalMs));
    }
}
