package io.vigie.api.video;

import java.util.concurrent.TimeUnit;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A running source: its own capture thread decodes into reused buffers and keeps only the newest
 * frame (single-slot hand-off); a slow consumer makes it drop frames (counted), never queue them.
 * Failures are retried with exponential back-off until closed.
 */
@ProviderType
public interface FrameSource extends AutoCloseable {
    /** Newest frame not yet taken, waiting up to the timeout; null on timeout. Close the frame after use. */
    Frame take(long timeout, TimeUnit unit) throws InterruptedException;

    SourceStatus status();

    /** Stops the capture thread and frees native resources; frames still lent stay valid until closed. */
    @Override
    void close();
}
