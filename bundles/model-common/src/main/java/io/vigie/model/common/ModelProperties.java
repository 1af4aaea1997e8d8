package io.vigie.model.common;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Properties;

import io.vigie.api.model.ModelIdentity;
import io.vigie.api.model.OutputFormat;
import io.vigie.api.model.Precision;

/**
 * The parsed {@code model/model.properties} written by the model builder next to the .tflite:
 * identity (name, precision, version, sha256 of the packed bytes) and the spec values.
 */
public record ModelProperties(ModelIdentity identity, OutputFormat format, float mean, float std, int labelOffset,
        String labelsPath) {

    public static final String MODEL_PATH = "model/model.tflite";
    public static final String PROPERTIES_PATH = "model/model.properties";
    public static final String CARD_PATH = "model/model-card.md";

    /** @throws IOException with the offending key when a value is missing or malformed */
    public static ModelProperties parse(InputStream in) throws IOException {
        Properties p = new Properties();
        p.load(new InputStreamReader(in, StandardCharsets.UTF_8));
        String sha = required(p, "sha256").toLowerCase(Locale.ROOT);
        if (!sha.matches("[0-9a-f]{64}"))
            throw new IOException(PROPERTIES_PATH + ": sha256 must be 64 hex digits, got '" + sha + "'");
        Precision precision = enumValue(Precision.class, p, "precision");
        OutputFormat format = enumValue(OutputFormat.class, p, "format");
        ModelIdentity id = new ModelIdentity(required(p, "name"), precision, required(p, "version"), sha);
        float mean = number(p, "input.mean");
        float std = number(p, "input.std");
        if (!(std > 0))
            throw new IOException(PROPERTIES_PATH + ": input.std must be > 0, got " + std);
        int offset = (int) number(p, "label.offset");
        return new ModelProperties(id, format, mean, std, offset, required(p, "labels"));
    }

    private static String required(Properties p, String key) throws IOException {
        String v = p.getProperty(key);
        if (v == null || v.isBlank())
            throw new IOException(PROPERTIES_PATH + ": missing '" + key + "'");
        return v.trim();
    }

    private static float number(Properties p, String key) throws IOException {
        String v = required(p, key);
        try {
            return Float.parseFloat(v);
        } catch (NumberFormatException e) {
            throw new IOException(PROPERTIES_PATH + ": '" + key + "' is not a number: '" + v + "'", e);
        }
    }

    private static <E extends Enum<E>> E enumValue(Class<E> type, Properties p, String key) throws IOException {
        String v = required(p, key);
        try {
            return Enum.valueOf(type, v.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IOException(PROPERTIES_PATH + ": unknown " + key + " '" + v + "'", e);
        }
    }
}
