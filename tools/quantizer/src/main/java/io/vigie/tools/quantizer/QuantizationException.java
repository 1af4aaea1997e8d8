package io.vigie.tools.quantizer;

/** Bad input for the quantizer (not a TFLite model, already quantized, unsupported op, no frames): nothing is written. */
public final class QuantizationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public QuantizationException(String message) {
        super(message);
    }
}
