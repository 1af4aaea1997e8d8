package io.vigie.video.internal;

import java.nio.ByteBuffer;
import java.util.IdentityHashMap;
import java.util.Map;

import org.bytedeco.javacpp.BytePointer;

/**
 * Native buffers through JavaCPP, freed the moment the pool lets them go (not when the GC gets
 * round to it): a closed source gives back its megabytes at once.
 */
public final class JavaCppMemory implements Memory {
    private final Map<ByteBuffer, BytePointer> pointers = new IdentityHashMap<>();

    @Override
    public synchronized ByteBuffer allocate(int capacity) {
        BytePointer p = new BytePointer(capacity);
        if (p.isNull()) throw new OutOfMemoryError("cannot allocate a " + capacity + " byte frame buffer");
        ByteBuffer b = p.capacity(capacity).limit(capacity).asByteBuffer();
        pointers.put(b, p);
        return b;
    }

    @Override
    public synchronized void free(ByteBuffer buffer) {
        BytePointer p = pointers.remove(buffer);
        if (p != null) p.close();
    }

    /** Buffers allocated and not yet freed (tests). */
    public synchronized int live() { return pointers.size(); }
}
