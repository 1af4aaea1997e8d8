package io.vigie.video.internal;

import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/** Direct buffers whose frees are checked: double frees and frees of unknown buffers fail. */
final class CountingMemory implements Memory {
    final Set<ByteBuffer> live = Collections.synchronizedSet(Collections.newSetFromMap(new IdentityHashMap<>()));
    volatile int allocations;

    @Override
    public ByteBuffer allocate(int capacity) {
        ByteBuffer b = ByteBuffer.allocateDirect(capacity);
        live.add(b);
        allocations++;
        return b;
    }

    @Override
    public void free(ByteBuffer buffer) {
        if (!live.remove(buffer)) throw new AssertionError("freed twice or unknown buffer");
    }
}
