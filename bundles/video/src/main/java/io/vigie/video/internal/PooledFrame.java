package io.vigie.video.internal;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;

import io.vigie.api.video.Frame;
import io.vigie.api.video.ImageView;

/** A frame whose pixels live in a pool buffer; close() gives the buffer back once. */
final class PooledFrame implements Frame {
    private final long sequence;
    private final long timestampMillis;
    private final double decodeMillis;
    private final ImageView image;
    private final ByteBuffer buffer;
    private final BufferPool pool;
    private final AtomicBoolean closed = new AtomicBoolean();

    PooledFrame(long sequence, long timestampMillis, double decodeMillis, ImageView image, ByteBuffer buffer,
            BufferPool pool) {
        this.sequence = sequence;
        this.timestampMillis = timestampMillis;
        this.decodeMillis = decodeMillis;
        this.image = image;
        this.buffer = buffer;
        this.pool = pool;
    }

    @Override public long sequence() { return sequence; }
    @Override public long timestampMillis() { return timestampMillis; }
    @Override public double decodeMillis() { return decodeMillis; }

    @Override
    public ImageView image() {
        if (closed.get()) throw new IllegalStateException("frame " + sequence + " is closed");
        return image;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) pool.release(buffer);
    }

    @Override
    public String toString() {
        return "Frame#" + sequence + " " + image.width() + "x" + image.height();
    }
}
