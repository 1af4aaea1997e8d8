package io.vigie.inference.core;

import java.util.ArrayList;
import java.util.List;

/**
 * Anchors of an SSD whose graph stops at raw box encodings (no post-process op), laid out like
 * the TensorFlow Object Detection API's multiple-grid anchor generator (and MediaPipe's
 * SsdAnchorsCalculator): one grid per feature map, per cell the anchors of every scale/aspect
 * ratio, the lowest layer reduced to 3 boxes. Output is N×4 (ycenter, xcenter, h, w), normalised,
 * the layout {@code ModelSpec.anchors} expects.
 *
 * @param inputWidth        model input width (e.g. 300)
 * @param inputHeight       model input height
 * @param minScale          scale of the first layer (e.g. 0.2)
 * @param maxScale          scale of the last layer (e.g. 0.95)
 * @param strides           feature-map strides, one per layer (e.g. 16,32,64,128,256,512)
 * @param aspectRatios      aspect ratios (e.g. 1, 2, 0.5, 3, 0.3333)
 * @param interpolatedScaleAspectRatio extra anchor at sqrt(scale·nextScale) with this ratio (1.0; ≤ 0 = none)
 * @param reduceBoxesInLowestLayer first layer uses (0.1, 1), (scale, 2), (scale, 0.5) only
 * @param anchorOffset      cell centre offset (0.5)
 */
public record SsdAnchors(int inputWidth, int inputHeight, float minScale, float maxScale, int[] strides,
        float[] aspectRatios, float interpolatedScaleAspectRatio, boolean reduceBoxesInLowestLayer, float anchorOffset) {

    /** The SSD MobileNet V2 300×300 configuration (1917 anchors) used by TF OD API and MediaPipe. */
    public static SsdAnchors ssdMobileNet300() {
        return new SsdAnchors(300, 300, 0.2f, 0.95f, new int[] { 16, 32, 64, 128, 256, 512 },
                new float[] { 1.0f, 2.0f, 0.5f, 3.0f, 0.3333f }, 1.0f, true, 0.5f);
    }

    static float scale(float min, float max, int index, int count) {
        return count == 1 ? (min + max) / 2 : min + (max - min) * index / (count - 1f);
    }

    public float[] generate() {
        List<float[]> out = new ArrayList<>();
        int layers = strides.length;
        for (int layer = 0; layer < layers; layer++) {
            List<Float> scales = new ArrayList<>();
            List<Float> ratios = new ArrayList<>();
            float scale = scale(minScale, maxScale, layer, layers);
            if (layer == 0 && reduceBoxesInLowestLayer) {
                ratios.add(1.0f); scales.add(0.1f);
                ratios.add(2.0f); scales.add(scale);
                ratios.add(0.5f); scales.add(scale);
            } else {
                for (float ar : aspectRatios) {
                    ratios.add(ar);
                    scales.add(scale);
                }
                if (interpolatedScaleAspectRatio > 0) {
                    float next = layer == layers - 1 ? 1.0f : scale(minScale, maxScale, layer + 1, layers);
                    scales.add((float) Math.sqrt(scale * next));
                    ratios.add(interpolatedScaleAspectRatio);
                }
            }
            int fmH = (int) Math.ceil((double) inputHeight / strides[layer]);
            int fmW = (int) Math.ceil((double) inputWidth / strides[layer]);
            for (int y = 0; y < fmH; y++) {
                for (int x = 0; x < fmW; x++) {
                    for (int a = 0; a < scales.size(); a++) {
                        float r = (float) Math.sqrt(ratios.get(a));
                        out.add(new float[] { (y + anchorOffset) / fmH, (x + anchorOffset) / fmW, scales.get(a) / r,
                                scales.get(a) * r });
                    }
                }
            }
        }
        float[] flat = new float[out.size() * 4];
        for (int i = 0; i < out.size(); i++) System.arraycopy(out.get(i), 0, flat, i * 4, 4);
        return flat;
    }
}
