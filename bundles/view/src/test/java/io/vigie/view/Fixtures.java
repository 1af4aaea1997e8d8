package io.vigie.view;

import java.nio.ByteBuffer;
import java.util.List;

import io.vigie.api.detect.FrameResult;
import io.vigie.api.detect.Timings;
import io.vigie.api.detect.ZoneState;
import io.vigie.api.inference.Detection;
import io.vigie.api.model.ModelIdentity;
import io.vigie.api.model.Precision;
import io.vigie.api.video.ImageView;

/** Frames and results for tests; shipped as this module's test-jar, used by io.vigie.web's tests too. */
public final class Fixtures {
    public static final String SHA = "7046f31a0000000000000000000000000000000000000000000000000000aa0cd";
    public static final ModelIdentity MODEL = new ModelIdentity("ssd-mobilenet-v2", Precision.INT8, "1.0.0", SHA);

    private Fixtures() {
    }

    /** Uniform grey BGR image, with optional row padding. */
    public static ImageView grey(int w, int h, int pad, boolean direct) {
        int stride = w * 3 + pad;
        ByteBuffer b = direct ? ByteBuffer.allocateDirect(stride * h) : ByteBuffer.allocate(stride * h);
        for (int i = 0; i < stride * h; i++) b.put(i, (byte) 128);
        return new ImageView(w, h, stride, b);
    }

    public static FrameResult result(long seq, List<Detection> dets, List<ZoneState> zones) {
        return new FrameResult(seq, 1_700_000_000_000L + seq * 100, 320, 240, dets, zones, MODEL,
                new Timings(5, 2, 30, 1, 40));
    }

    public static Detection person(float x0, float y0, float x1, float y1) {
        return new Detection(0, "person", 0.87f, x0, y0, x1, y1);
    }

    public static ZoneState zone(String name, boolean intrusion, int persons) {
        return new ZoneState(name, List.of(new float[] { 0.1f, 0.1f }, new float[] { 0.9f, 0.1f },
                new float[] { 0.9f, 0.9f }, new float[] { 0.1f, 0.9f }), persons, intrusion);
    }
}
