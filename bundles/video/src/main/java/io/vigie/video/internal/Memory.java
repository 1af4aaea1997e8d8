package io.vigie.video.internal;

import java.nio.ByteBuffer;

/** Where frame buffers come from and how they are freed. */
public interface Memory {
    ByteBuffer allocate(int capacity);

    /** Frees a buffer from {@link #allocate}; it must not be touched afterwards. */
    void free(ByteBuffer buffer);

    /** JDK direct buffers, freed by the GC (tests, or when natives are unavailable). */
    Memory DIRECT = new Memory() {
        @Override public ByteBuffer allocate(int capacity) { return ByteBuffer.allocateDirect(capacity); }
        @Override public void free(ByteBuffer buffer) { }
    };
}
