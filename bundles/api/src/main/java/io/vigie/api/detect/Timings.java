package io.vigie.api.detect;

/** Where one frame's time went, in milliseconds. {@code total} is decode-end to result, plus decode. */
public record Timings(double decodeMillis, double preprocessMillis, double inferenceMillis,
        double postprocessMillis, double totalMillis) {
}
