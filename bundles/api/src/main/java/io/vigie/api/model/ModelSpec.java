package io.vigie.api.model;

import java.util.List;
import java.util.Objects;

/**
 * What the engine needs to know besides the bytes: output layout, label list and, for float
 * inputs, the normalisation {@code (pixel - mean) / std}. Quantized inputs use the tensor's own
 * quantization parameters.
 *
 * @param format        output layout
 * @param labels        class labels indexed by output class id (after {@code labelOffset})
 * @param labelOffset   added to the model's class id before indexing {@code labels}
 * @param mean          float input normalisation mean (ignored for uint8/int8 inputs)
 * @param std           float input normalisation std (ignored for uint8/int8 inputs)
 * @param anchors       RAW_ANCHORS only: N×4 (ycenter, xcenter, h, w), normalised; null otherwise
 * @param boxScales     RAW_ANCHORS only: y, x, h, w scales of the box coder (e.g. 10,10,5,5)
 * @param scoreSigmoid  RAW_ANCHORS only: class scores are logits that need a sigmoid
 */
public record ModelSpec(OutputFormat format, List<String> labels, int labelOffset, float mean, float std,
        float[] anchors, float[] boxScales, boolean scoreSigmoid) {

    public ModelSpec {
        Objects.requireNonNull(format, "format");
        labels = List.copyOf(labels);
        if (format == OutputFormat.RAW_ANCHORS) {
            if (anchors == null || anchors.length == 0 || anchors.length % 4 != 0)
                throw new IllegalArgumentException("RAW_ANCHORS needs anchors as N×4 floats");
            if (boxScales == null || boxScales.length != 4)
                throw new IllegalArgumentException("RAW_ANCHORS needs 4 box scales");
        }
    }

    /** A model whose graph ends in the TFLite detection post-process op. */
    public static ModelSpec postprocessOp(List<String> labels, int labelOffset, float mean, float std) {
        return new ModelSpec(OutputFormat.POSTPROCESS_OP, labels, labelOffset, mean, std, null, null, false);
    }

    public String label(int classId) {
        int i = classId + labelOffset;
        return i >= 0 && i < labels.size() ? labels.get(i) : Integer.toString(classId);
    }
}
