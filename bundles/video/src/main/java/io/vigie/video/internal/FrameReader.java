package io.vigie.video.internal;

import java.io.IOException;

import io.vigie.api.video.ImageView;

/**
 * One opening of an input, used by a single capture thread. The native implementations wrap
 * FFmpeg; tests use fakes. Messages of the exceptions are shown to users as they are.
 */
public interface FrameReader extends AutoCloseable {
    /** Opens the input; fails with a message that says what went wrong. */
    void open() throws IOException;

    /** Native frame rate, 0 if unknown (valid after open). */
    double fps();

    /**
     * Decodes the next frame as packed BGR24. The view stays valid until the next read or close.
     *
     * @return null at the end of the input
     */
    ImageView read() throws IOException;

    /** Frees everything native; safe to call twice or without open. */
    @Override
    void close();

    /** A problem the reader stepped over without failing (e.g. an unreadable image in a folder), or null; cleared on read. */
    default String takeWarning() { return null; }
}
