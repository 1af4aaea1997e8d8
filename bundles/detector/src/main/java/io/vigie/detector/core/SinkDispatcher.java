package io.vigie.detector.core;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.vigie.api.detect.FrameListener;
import io.vigie.api.detect.FrameResult;
import io.vigie.api.video.ImageView;

/**
 * Delivers results to one sink on its own thread through a bounded drop-oldest queue: the
 * detector's offer never blocks, and a slow sink only loses its own oldest results (counted).
 */
public final class SinkDispatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SinkDispatcher.class);

    record Item(FrameResult result, ImageView image) {
    }

    private final FrameListener listener;
    private final BlockingQueue<Item> queue;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong delivered = new AtomicLong();
    private final Thread thread;
    private volatile boolean running = true;

    public SinkDispatcher(FrameListener listener, int capacity) {
        this.listener = listener;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.thread = new Thread(this::run, "vigie-sink-" + listener.getClass().getSimpleName());
        thread.setDaemon(true);
        thread.start();
    }

    public FrameListener listener() {
        return listener;
    }

    public boolean wantsImages() {
        try {
            return listener.wantsImages();
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Never blocks: when full, the oldest queued result is discarded and counted. */
    public void offer(FrameResult result, ImageView image) {
        Item item = new Item(result, image);
        while (!queue.offer(item)) {
            if (queue.poll() != null) dropped.incrementAndGet();
        }
    }

    private void run() {
        while (running) {
            Item item;
            try {
                item = queue.poll(250, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (item == null) continue;
            try {
                listener.onFrame(item.result(), item.image());
                delivered.incrementAndGet();
            } catch (RuntimeException e) {
                LOG.warn("Sink {} failed on frame {}: {}", listener, item.result().sequence(), e.toString());
            }
        }
    }

    public long dropped() {
        return dropped.get();
    }

    public long delivered() {
        return delivered.get();
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
