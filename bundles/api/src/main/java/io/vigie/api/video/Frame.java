package io.vigie.api.video;

import org.osgi.annotation.versioning.ProviderType;

/**
 * A decoded frame lent by a {@link FrameSource}. Its pixels live in a buffer the source reuses:
 * {@link #close()} gives it back. Closing twice is harmless.
 */
@ProviderType
public interface Frame extends AutoCloseable {
    /** Monotonic sequence number assigned at decode time; gaps mean frames were dropped. */
    long sequence();

    /** Wall-clock time (ms since epoch) at which the frame was decoded. */
    long timestampMillis();

    /** Time spent decoding this frame, ms. */
    double decodeMillis();

    ImageView image();

    @Override
    void close();
}
