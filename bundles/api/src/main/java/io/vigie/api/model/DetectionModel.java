package io.vigie.api.model;

import java.io.IOException;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A detection model offered by a model bundle. The service carries the identity as service
 * properties ({@link #PROP_NAME} ...) so consumers can filter without loading anything.
 * <p>
 * {@link #loadBytes()} returns a fresh copy: the consumer owns it, so a model bundle being
 * stopped or updated never pulls memory from under a running interpreter.
 */
@ProviderType
public interface DetectionModel {
    String PROP_NAME = "vigie.model.name";
    String PROP_PRECISION = "vigie.model.precision";
    String PROP_VERSION = "vigie.model.version";
    String PROP_SHA256 = "vigie.model.sha256";

    ModelIdentity identity();

    ModelSpec spec();

    /**
     * The .tflite bytes; the implementation verifies them (model bundles: against the CRC-32 their build wrote beside
     * {@code identity().sha256()}, or against that sha256 when there is none).
     */
    byte[] loadBytes() throws IOException;

    /** Human-readable model card (markdown), may be empty. */
    default String modelCard() {
        return "";
    }
}
