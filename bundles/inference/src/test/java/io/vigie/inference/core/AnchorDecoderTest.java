package io.vigie.inference.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.vigie.api.inference.Detection;
import io.vigie.api.model.ModelSpec;
import io.vigie.api.model.OutputFormat;

class AnchorDecoderTest {
    // 3 anchors (ycenter, xcenter, h, w)
    static final float[] ANCHORS = { 0.5f, 0.5f, 0.2f, 0.2f, 0.5f, 0.56f, 0.2f, 0.2f, 0.2f, 0.2f, 0.1f, 0.1f };
    static final float[] SCALES = { 10, 10, 5, 5 };

    static ModelSpec spec(boolean sigmoid) {
        return new ModelSpec(OutputFormat.RAW_ANCHORS, List.of("background", "person", "car"), 0, 127.5f, 127.5f,
                ANCHORS, SCALES, sigmoid);
    }

    @Test
    void zeroEncodingIsTheAnchorItself() {
        AnchorDecoder d = new AnchorDecoder(spec(false), 3, 0.6f);
        float[] scores = { 0, 0.9f, 0, 0, 0, 0, 0, 0, 0 };
        List<Detection> out = d.decode(new float[12], scores, 0.5f, 10);
        assertEquals(1, out.size());
        Detection p = out.get(0);
        assertEquals(1, p.classId());
        assertEquals("person", p.label());
        assertEquals(0.4f, p.ymin(), 1e-6);
        assertEquals(0.4f, p.xmin(), 1e-6);
        assertEquals(0.6f, p.ymax(), 1e-6);
        assertEquals(0.6f, p.xmax(), 1e-6);
    }

    @Test
    void boxCoderScalesAndExp() {
        AnchorDecoder d = new AnchorDecoder(spec(false), 3, 0.6f);
        // anchor 2: ty=1 -> yc = 1/10*0.1+0.2 = 0.21; tx=-2 -> xc = 0.18; th=5*ln2 -> h=0.2; tw=0 -> w=0.1
        float[] enc = new float[12];
        enc[8] = 1;
        enc[9] = -2;
        enc[10] = (float) (5 * Math.log(2));
        float[] scores = new float[9];
        scores[2 * 3 + 2] = 0.7f; // anchor 2, class car
        List<Detection> out = d.decode(enc, scores, 0.5f, 10);
        assertEquals(1, out.size());
        Detection c = out.get(0);
        assertEquals("car", c.label());
        assertEquals(0.21f - 0.1f, c.ymin(), 1e-5);
        assertEquals(0.21f + 0.1f, c.ymax(), 1e-5);
        assertEquals(0.18f - 0.05f, c.xmin(), 1e-5);
        assertEquals(0.18f + 0.05f, c.xmax(), 1e-5);
    }

    @Test
    void perClassNmsBackgroundSkippedAndSigmoid() {
        AnchorDecoder d = new AnchorDecoder(spec(true), 3, 0.6f);
        // anchors 0 and 1 overlap with IoU (0.14*0.2)/(0.04+0.04-0.028)=0.54: kept at 0.6, suppressed at 0.5
        // logits: anchor0 person 2.0, anchor1 person 1.0 and car 3.0; background huge everywhere
        float[] scores = { 9, 2.0f, -9, 9, 1.0f, 3.0f, 9, -9, -9 };
        List<Detection> out = d.decode(new float[12], scores, 0.5f, 10);
        assertEquals(3, out.size());
        assertEquals("car", out.get(0).label());
        assertEquals(1 / (1 + Math.exp(-3)), out.get(0).score(), 1e-5);
        assertTrue(out.stream().noneMatch(x -> x.label().equals("background")));
        // with a stricter IoU the weaker person box is suppressed, the car (other class) is not
        AnchorDecoder strict = new AnchorDecoder(spec(true), 3, 0.5f);
        List<Detection> s = strict.decode(new float[12], scores, 0.5f, 10);
        assertEquals(2, s.size());
        assertEquals(1, s.stream().filter(x -> x.label().equals("person")).count());
        assertEquals(2.0, Math.log(s.stream().filter(x -> x.label().equals("person")).findFirst().get().score()
                / (1 - s.stream().filter(x -> x.label().equals("person")).findFirst().get().score())), 1e-4);
    }

    @Test
    void maxResultsCapsSortedOutput() {
        AnchorDecoder d = new AnchorDecoder(spec(false), 3, 0.6f);
        float[] scores = { 0, 0.6f, 0, 0, 0, 0.9f, 0, 0.8f, 0 };
        List<Detection> out = d.decode(new float[12], scores, 0.1f, 2);
        assertEquals(2, out.size());
        assertEquals(0.9f, out.get(0).score(), 1e-6);
        assertEquals(0.8f, out.get(1).score(), 1e-6);
    }
}
