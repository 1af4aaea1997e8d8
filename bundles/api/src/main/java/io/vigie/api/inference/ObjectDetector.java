package io.vigie.api.inference;

import io.vigie.api.model.ModelIdentity;
import io.vigie.api.video.ImageView;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A loaded interpreter. Not thread-safe: one inference thread owns it. {@link #close()} frees the
 * interpreter and model buffer at once (not at GC time).
 */
@ProviderType
public interface ObjectDetector extends AutoCloseable {
    ModelIdentity identity();

    int inputWidth();

    int inputHeight();

    /** Resizes the image straight into the input tensor, runs, decodes detections scoring ≥ minScore. */
    InferenceResult detect(ImageView image, float minScore);

    @Override
    void close();
}
