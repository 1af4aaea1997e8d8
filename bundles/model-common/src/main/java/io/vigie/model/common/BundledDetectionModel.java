package io.vigie.model.common;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import io.vigie.api.model.DetectionModel;
import io.vigie.api.model.ModelIdentity;
import io.vigie.api.model.ModelSpec;
import io.vigie.api.model.OutputFormat;

/**
 * A {@link DetectionModel} whose bytes, labels and card are resources of the model bundle. The
 * small files are read once; the .tflite is read and hash-checked on every {@link #loadBytes()} so
 * the caller always owns a fresh, verified copy and the bundle keeps no large heap array.
 */
public final class BundledDetectionModel implements DetectionModel {
    private final ResourceLoader resources;
    private final ModelProperties props;
    private final ModelSpec spec;
    private final String card;

    public BundledDetectionModel(ResourceLoader resources) throws IOException {
        this.resources = resources;
        try (InputStream in = open(ModelProperties.PROPERTIES_PATH)) {
            this.props = ModelProperties.parse(in);
        }
        if (props.format() != OutputFormat.POSTPROCESS_OP)
            throw new IOException("model bundles carry POSTPROCESS_OP models only, got " + props.format());
        List<String> labels = readLabels(props.labelsPath());
        this.spec = ModelSpec.postprocessOp(labels, props.labelOffset(), props.mean(), props.std());
        String c;
        try (InputStream in = resources.open(ModelProperties.CARD_PATH)) {
            c = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        this.card = c;
    }

    @Override
    public ModelIdentity identity() {
        return props.identity();
    }

    @Override
    public ModelSpec spec() {
        return spec;
    }

    @Override
    public String modelCard() {
        return card;
    }

    @Override
    public byte[] loadBytes() throws IOException {
        byte[] bytes;
        try (InputStream in = open(ModelProperties.MODEL_PATH)) {
            bytes = in.readAllBytes();
        }
        String actual = sha256(bytes);
        String expected = props.identity().sha256();
        if (!actual.equals(expected))
            throw new IOException(ModelProperties.MODEL_PATH + " of " + props.identity().shortId()
                    + " is corrupt: sha256 expected " + expected + " but the packed bytes hash to " + actual);
        return bytes;
    }

    private List<String> readLabels(String path) throws IOException {
        List<String> labels = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(open(path), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null;)
                labels.add(line.strip());
        }
        while (!labels.isEmpty() && labels.get(labels.size() - 1).isEmpty())
            labels.remove(labels.size() - 1);
        if (labels.isEmpty())
            throw new IOException(path + " is empty");
        return labels;
    }

    private InputStream open(String path) throws IOException {
        InputStream in = resources.open(path);
        if (in == null)
            throw new IOException("model bundle resource " + path + " is missing");
        return in;
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from this JVM", e);
        }
    }
}
