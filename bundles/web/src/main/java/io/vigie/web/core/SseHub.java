package io.vigie.web.core;

import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Fan-out of Server-Sent Events to a bounded set of clients, each with its own bounded queue that
 * drops its oldest message when full. Publishing never blocks; per-frame "detection" events are
 * additionally rate-capped per client, intrusion events are always queued.
 */
public final class SseHub implements AutoCloseable {
    public static final String DETECTION = "detection";
    public static final String INTRUSION = "intrusion";
    public static final String MODEL = "model";

    /** Thrown by {@link #open()} when the client limit is reached. */
    public static final class TooManyClientsException extends Exception {
        private static final long serialVersionUID = 1L;

        TooManyClientsException(int max) {
            super("too many event clients (max " + max + ")");
        }
    }

    private static final String CLOSED = new String("closed"); // identity sentinel

    private final List<Client> clients = new CopyOnWriteArrayList<>();
    private final int queueCapacity;
    private final LongSupplier nanoClock;
    private final AtomicLong drops = new AtomicLong();
    private final Object openLock = new Object();
    private volatile int maxClients;
    private volatile long detectionIntervalNanos;
    private volatile boolean closed;

    /**
     * @param maxClients      concurrent clients allowed
     * @param detectionRate   max detection events per second per client (0 or less: no cap)
     * @param queueCapacity   messages buffered per client before the oldest is dropped
     */
    public SseHub(int maxClients, double detectionRate, int queueCapacity, LongSupplier nanoClock) {
        if (queueCapacity < 1) throw new IllegalArgumentException("queue capacity must be >= 1");
        this.queueCapacity = queueCapacity;
        this.nanoClock = nanoClock;
        setMaxClients(maxClients);
        setDetectionRate(detectionRate);
    }

    public void setMaxClients(int max) {
        if (max < 1) throw new IllegalArgumentException("max SSE clients must be >= 1: " + max);
        this.maxClients = max;
    }

    public void setDetectionRate(double perSecond) {
        this.detectionIntervalNanos = perSecond > 0 ? (long) (1e9 / perSecond) : 0;
    }

    public Client open() throws TooManyClientsException {
        synchronized (openLock) {
            if (closed) throw new IllegalStateException("event hub closed");
            if (clients.size() >= maxClients) throw new TooManyClientsException(maxClients);
            Client c = new Client();
            clients.add(c);
            return c;
        }
    }

    public int clientCount() {
        return clients.size();
    }

    /** Messages dropped because a client's queue was full. */
    public long drops() {
        return drops.get();
    }

    /**
     * Queues a per-frame event to every client whose rate cap allows it now; {@code json} is only
     * built when at least one client takes it.
     */
    public void publishDetection(Supplier<String> json) {
        long now = nanoClock.getAsLong();
        String msg = null;
        for (Client c : clients) {
            if (c.lastDetectionNanos != Long.MIN_VALUE && now - c.lastDetectionNanos < detectionIntervalNanos) continue;
            if (msg == null) msg = format(DETECTION, json.get());
            c.lastDetectionNanos = now;
            c.offer(msg);
        }
    }

    /** Queues an event to every client, no rate cap. */
    public void publish(String event, String json) {
        if (clients.isEmpty()) return;
        String msg = format(event, json);
        for (Client c : clients) {
            c.offer(msg);
        }
    }

    /** Ends every client's loop. */
    @Override
    public void close() {
        synchronized (openLock) {
            closed = true;
        }
        for (Client c : clients) {
            c.terminate();
        }
    }

    /** One SSE message; multi-line data becomes several data: lines as the format requires. */
    public static String format(String event, String data) {
        StringBuilder sb = new StringBuilder(data.length() + 32);
        if (event != null) sb.append("event: ").append(event).append('\n');
        for (String line : data.split("\r\n|\r|\n", -1)) {
            sb.append("data: ").append(line).append('\n');
        }
        return sb.append('\n').toString();
    }

    /** A connected client; its writer thread drains it with {@link #poll(long)}. */
    public final class Client implements AutoCloseable {
        private final BlockingQueue<String> queue = new ArrayBlockingQueue<>(queueCapacity);
        private final AtomicLong clientDrops = new AtomicLong();
        volatile long lastDetectionNanos = Long.MIN_VALUE;
        private volatile boolean terminated;

        void offer(String msg) {
            if (terminated) return;
            // Drop-oldest: a stuck client loses history, the publisher never waits.
            while (!queue.offer(msg)) {
                if (queue.poll() != null) {
                    clientDrops.incrementAndGet();
                    drops.incrementAndGet();
                }
            }
        }

        void terminate() {
            terminated = true;
            queue.clear();
            queue.offer(CLOSED);
        }

        /**
         * @return the next message, "" on timeout (time for a keepalive), or null once the client
         *         or the hub is closed
         */
        public String poll(long timeoutMillis) throws InterruptedException {
            if (terminated && queue.isEmpty()) return null;
            String m = queue.poll(timeoutMillis, TimeUnit.MILLISECONDS);
            if (m == CLOSED) return null;
            return m == null ? (terminated ? null : "") : m;
        }

        public int queued() {
            return queue.size();
        }

        public long drops() {
            return clientDrops.get();
        }

        @Override
        public void close() {
            clients.remove(this);
            terminate();
        }
    }
}
