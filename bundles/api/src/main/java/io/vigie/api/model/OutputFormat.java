package io.vigie.api.model;

/** How an SSD model presents its detections. */
public enum OutputFormat {
    /** The graph ends in TFLite_Detection_PostProcess: boxes, classes, scores, count. */
    POSTPROCESS_OP,
    /** Raw box encodings [1,N,4] + class scores [1,N,C]; decoded against anchors + NMS by the engine. */
    RAW_ANCHORS
}
