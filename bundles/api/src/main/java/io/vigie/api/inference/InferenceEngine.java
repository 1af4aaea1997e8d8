package io.vigie.api.inference;

import io.vigie.api.model.ModelIdentity;
import io.vigie.api.model.ModelSpec;

import org.osgi.annotation.versioning.ProviderType;

/** Turns model bytes into a running {@link ObjectDetector}. */
@ProviderType
public interface InferenceEngine {
    /**
     * @param model the .tflite bytes; the engine copies them into native memory it owns
     * @throws ModelLoadException not a TFLite model, unsupported ops/tensor types, allocation failure
     */
    ObjectDetector load(ModelIdentity identity, byte[] model, ModelSpec spec, EngineOptions options)
            throws ModelLoadException;
}
