package io.vigie.inference.core;

import java.util.ArrayList;
import java.util.List;

import io.vigie.api.inference.Detection;
import io.vigie.api.model.ModelSpec;

/**
 * Turns raw SSD outputs (box encodings [N,4] = ty, tx, th, tw and class scores [N,C]) into
 * detections: TF object-detection box coder against the spec's anchors, then per-class NMS.
 * Scratch arrays are sized once; {@link #decode} allocates only the returned detections.
 */
public final class AnchorDecoder {
    public static final float DEFAULT_IOU = 0.6f;

    private final ModelSpec spec;
    private final float[] anchors;
    private final float yScale, xScale, hScale, wScale;
    private final int numAnchors;
    private final int numClasses;
    private final boolean[] skipClass;
    private final float iouThreshold;
    private final float[] boxes;
    private final int[] cand;
    private final float[] candScore;
    private final int[] kept;
    private final Nms nms;

    /**
     * @param numClasses columns of the score tensor; columns whose label is "background" or "???"
     *                   (e.g. a background class 0) are never reported
     */
    public AnchorDecoder(ModelSpec spec, int numClasses, float iouThreshold) {
        if (spec.anchors() == null || spec.boxScales() == null)
            throw new IllegalArgumentException("spec has no anchors/box scales");
        if (numClasses < 1) throw new IllegalArgumentException("numClasses must be >= 1");
        this.spec = spec;
        this.anchors = spec.anchors().clone();
        float[] s = spec.boxScales();
        yScale = s[0];
        xScale = s[1];
        hScale = s[2];
        wScale = s[3];
        this.numAnchors = anchors.length / 4;
        this.numClasses = numClasses;
        this.iouThreshold = iouThreshold;
        skipClass = new boolean[numClasses];
        for (int c = 0; c < numClasses; c++) {
            String l = spec.label(c).trim().toLowerCase(java.util.Locale.ROOT);
            skipClass[c] = l.equals("background") || l.equals("???");
        }
        boxes = new float[numAnchors * 4];
        cand = new int[numAnchors];
        candScore = new float[numAnchors];
        kept = new int[numAnchors];
        nms = new Nms(numAnchors);
    }

    public int numAnchors() { return numAnchors; }

    public int numClasses() { return numClasses; }

    /** Decoded boxes of the last {@link #decode} call, N×4 (ymin, xmin, ymax, xmax), for tests. */
    float[] boxes() { return boxes; }

    /**
     * @param encodings N×4 (ty, tx, th, tw)
     * @param scores    N×C scores (probabilities, or logits when the spec says scoreSigmoid)
     */
    public List<Detection> decode(float[] encodings, float[] scores, float minScore, int maxResults) {
        for (int i = 0; i < numAnchors; i++) {
            int o = i * 4;
            float ya = anchors[o], xa = anchors[o + 1], ha = anchors[o + 2], wa = anchors[o + 3];
            float yc = encodings[o] / yScale * ha + ya;
            float xc = encodings[o + 1] / xScale * wa + xa;
            float h = (float) Math.exp(encodings[o + 2] / hScale) * ha;
            float w = (float) Math.exp(encodings[o + 3] / wScale) * wa;
            boxes[o] = yc - h / 2;
            boxes[o + 1] = xc - w / 2;
            boxes[o + 2] = yc + h / 2;
            boxes[o + 3] = xc + w / 2;
        }
        boolean sigmoid = spec.scoreSigmoid();
        List<Detection> out = new ArrayList<>();
        for (int c = 0; c < numClasses; c++) {
            if (skipClass[c]) continue;
            int n = 0;
            for (int i = 0; i < numAnchors; i++) {
                float s = scores[i * numClasses + c];
                if (sigmoid) s = (float) (1.0 / (1.0 + Math.exp(-s)));
                if (s >= minScore) {
                    cand[n] = i;
                    candScore[n++] = s;
                }
            }
            if (n == 0) continue;
            int k = nms.suppress(boxes, cand, candScore, n, iouThreshold, maxResults, kept);
            String label = spec.label(c);
            for (int j = 0; j < k; j++) {
                int o = cand[kept[j]] * 4;
                out.add(new Detection(c, label, candScore[kept[j]], clamp(boxes[o + 1]), clamp(boxes[o]),
                        clamp(boxes[o + 3]), clamp(boxes[o + 2])));
            }
        }
        if (out.size() > 1) out.sort((a, b) -> Float.compare(b.score(), a.score()));
        return out.size() > maxResults ? new ArrayList<>(out.subList(0, maxResults)) : out;
    }

    static float clamp(float v) {
        return v < 0f ? 0f : (v > 1f ? 1f : v);
    }
}
