package io.vigie.video.internal;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Single-slot hand-off between one producer and its consumers: holds only the newest item.
 * The producer gets back the item it replaced (to recycle and count as dropped).
 *
 * @param <T> item type
 */
public final class FrameSlot<T> {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition filled = lock.newCondition();
    private T item;
    private boolean finished;

    /** Puts the newest item; returns the untaken one it replaced, or null. After finish the item itself is returned. */
    public T publish(T newest) {
        lock.lock();
        try {
            if (finished) return newest;
            T old = item;
            item = newest;
            filled.signal();
            return old;
        } finally {
            lock.unlock();
        }
    }

    /** Newest item, waiting up to the timeout; null on timeout, or at once when finished and empty. */
    public T take(long timeout, TimeUnit unit) throws InterruptedException {
        long nanos = unit.toNanos(timeout);
        lock.lockInterruptibly();
        try {
            while (item == null) {
                if (finished || nanos <= 0) return null;
                nanos = filled.awaitNanos(nanos);
            }
            T t = item;
            item = null;
            return t;
        } finally {
            lock.unlock();
        }
    }

    /** Removes the untaken item (the producer reuses it), or null. */
    public T reclaim() {
        lock.lock();
        try {
            T t = item;
            item = null;
            return t;
        } finally {
            lock.unlock();
        }
    }

    /** No more items will come: takers return the one left, then null at once. */
    public void finish() {
        lock.lock();
        try {
            finished = true;
            filled.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Finishes and removes the untaken item, returning it for recycling. */
    public T close() {
        lock.lock();
        try {
            finished = true;
            filled.signalAll();
            T t = item;
            item = null;
            return t;
        } finally {
            lock.unlock();
        }
    }
}
