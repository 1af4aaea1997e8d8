package io.vigie.video.internal;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A few direct buffers reused for decoded frames. At most {@code size} exist at once; a buffer
 * too small for a new frame size is replaced. Idle buffers are freed at {@link #close()}; those
 * lent then are freed when given back, so frames lent when the source closes stay valid until
 * their owner closes them.
 */
public final class BufferPool {
    private final int size;
    private final Memory memory;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition returned = lock.newCondition();
    private final ArrayDeque<ByteBuffer> free = new ArrayDeque<>();
    private int allocated;
    private boolean closed;

    public BufferPool(int size, Memory memory) {
        if (size < 2) throw new IllegalArgumentException("buffer pool size " + size + " < 2");
        this.size = size;
        this.memory = memory;
    }

    public int size() { return size; }

    /** A buffer of at least capacity bytes, or null if all are lent (or the pool is closed). */
    public ByteBuffer tryAcquire(int capacity) {
        lock.lock();
        try {
            return takeLocked(capacity);
        } finally {
            lock.unlock();
        }
    }

    /** Waits up to the timeout for a buffer; null on timeout or once closed. */
    public ByteBuffer acquire(int capacity, long timeout, TimeUnit unit) throws InterruptedException {
        long nanos = unit.toNanos(timeout);
        lock.lock();
        try {
            while (true) {
                if (closed) return null;
                ByteBuffer b = takeLocked(capacity);
                if (b != null || nanos <= 0) return b;
                nanos = returned.awaitNanos(nanos);
            }
        } finally {
            lock.unlock();
        }
    }

    private ByteBuffer takeLocked(int capacity) {
        if (closed) return null;
        ByteBuffer b = free.pollFirst();
        if (b == null) {
            if (allocated >= size) return null;
            allocated++;
        } else if (b.capacity() >= capacity) {
            b.clear();
            return b;
        } else {
            memory.free(b); // too small for the new frame size: replaced, the count stays the same
        }
        try {
            return memory.allocate(capacity);
        } catch (RuntimeException | Error e) {
            allocated--;
            throw e;
        }
    }

    public void release(ByteBuffer b) {
        lock.lock();
        try {
            if (closed) {
                memory.free(b); // lent when the source closed: freed now that its frame is closed
                return;
            }
            free.addFirst(b);
            returned.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Frees the idle buffers and wakes waiters; buffers still lent are dropped when returned. */
    public void close() {
        lock.lock();
        try {
            closed = true;
            free.forEach(memory::free);
            free.clear();
            returned.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Buffers currently lent out (for tests and status). */
    public int lent() {
        lock.lock();
        try {
            return allocated - free.size();
        } finally {
            lock.unlock();
        }
    }
}
