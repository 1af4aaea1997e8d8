package io.vigie.api.model;

/** Numeric precision of a model's weights and activations. */
public enum Precision {
    FP32, INT8
}
