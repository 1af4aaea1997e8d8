package io.vigie.cloud.paho;

import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

import org.eclipse.kura.cloudconnection.listener.CloudConnectionListener;
import org.eclipse.kura.cloudconnection.listener.CloudDeliveryListener;
import org.eclipse.kura.message.KuraPayload;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Store-and-forward MQTT sender with Kura's topic namespace and lifecycle messages.
 *
 * <p>{@link #publish} encodes and stores (durably) and returns; one sender thread connects (with back-off), sends the
 * BIRTH certificate, then drains the store by priority/FIFO with at most {@code maxInflight} unconfirmed messages,
 * deleting a row only when Paho reports the delivery complete (PUBACK for QoS 1). A fresh Paho client with in-memory
 * persistence is used per connection, so unconfirmed messages are re-sent from our store only (at-least-once, no
 * second copy kept by Paho). {@link #close} sends the DC (disconnect) message and a clean DISCONNECT; the broker
 * publishes the LWT when the connection dies otherwise.
 */
public final class MqttForwarder implements AutoCloseable, ControlPublisher {

    private static final Logger LOG = LoggerFactory.getLogger(MqttForwarder.class);

    private final CloudSettings s;
    private final MessageStore store;
    private final KuraPayloadCodec codec;
    private final SimpleJsonCodec json = new SimpleJsonCodec();
    private final long startMs = System.currentTimeMillis();
    private final Object lock = new Object();
    private final List<CloudConnectionListener> connectionListeners = new CopyOnWriteArrayList<>();
    private final List<CloudDeliveryListener> deliveryListeners = new CopyOnWriteArrayList<>();
    private final AtomicLong sent = new AtomicLong(), confirmed = new AtomicLong(), connects = new AtomicLong(),
            connectFailures = new AtomicLong(), refused = new AtomicLong();
    private volatile BiConsumer<String, byte[]> inbound;
    private volatile boolean running;
    private volatile MqttTransport client;
    private Thread sender;
    /** The store state the last BIRTH described (sender thread only). */
    private String birthStoreState = "";

    public MqttForwarder(CloudSettings settings, MessageStore store, KuraPayloadCodec codec) {
        settings.validate();
        this.s = settings;
        this.store = store;
        this.codec = codec;
    }

    /**
     * Receives inbound requests (topic, raw payload) on Paho's callback thread: the consumer must hand work off and
     * return quickly. Set before {@link #start}; with a consumer, every connection subscribes (QoS 1) to
     * {@code $EDC/account/client/+/+/#}.
     */
    public void setInboundHandler(BiConsumer<String, byte[]> consumer) {
        this.inbound = consumer;
    }

    public void start() {
        running = true;
        sender = new Thread(this::run, "vigie-cloud-sender");
        sender.setDaemon(true);
        sender.start();
    }

    /**
     * Encodes and stores a data message for {@code account/client/appId/appTopic}; returns its id once it is on disk.
     * Bad input (topic, metric types, qos) is refused with an {@link IllegalArgumentException} and nothing is stored.
     */
    public String publish(String appTopic, KuraPayload payload, int qos, boolean retain, int priority)
            throws MessageStore.StoreException {
        if (appTopic == null || appTopic.isEmpty() || appTopic.startsWith("/") || appTopic.endsWith("/")
                || appTopic.contains("+") || appTopic.contains("#")) {
            throw new IllegalArgumentException("invalid app topic '" + appTopic + "'");
        }
        if (qos < 0 || qos > 1) {
            throw new IllegalArgumentException("qos must be 0 or 1, got " + qos);
        }
        return storeEncoded(s.dataTopic(appTopic), payload, qos, retain, priority);
    }

    /**
     * Stores a message for a full topic outside the data namespace (replies, notifications: {@code $EDC/...}). The
     * topic must not contain wildcards or empty levels.
     */
    @Override
    public String publishControl(String topic, KuraPayload payload, int qos, int priority)
            throws MessageStore.StoreException {
        if (topic == null || !topic.startsWith("$EDC/") || topic.contains("+") || topic.contains("#")
                || topic.contains("//") || topic.endsWith("/")) {
            throw new IllegalArgumentException("invalid control topic '" + topic + "'");
        }
        if (qos < 0 || qos > 1) {
            throw new IllegalArgumentException("qos must be 0 or 1, got " + qos);
        }
        return storeEncoded(topic, payload, qos, false, priority);
    }

    private String storeEncoded(String topic, KuraPayload payload, int qos, boolean retain, int priority)
            throws MessageStore.StoreException {
        byte[] bytes = encode(payload);
        if (bytes.length > s.maxMessageBytes) {
            throw new IllegalArgumentException("encoded message is " + bytes.length + " bytes, above max.message.bytes "
                    + s.maxMessageBytes);
        }
        long id = store.store(topic, bytes, qos, retain, priority);
        synchronized (lock) {
            lock.notifyAll();
        }
        return Long.toString(id);
    }

    private byte[] encode(KuraPayload p) {
        return "simple-json".equals(s.payloadEncoding) ? json.encode(p) : codec.encode(p, s.gzip);
    }

    private void run() {
        long backoff = s.reconnectMinMs;
        long nextSendNs = System.nanoTime();
        while (running) {
            try {
                MqttTransport c = client;
                if (c == null || !c.isConnected()) {
                    if (connect()) {
                        backoff = s.reconnectMinMs;
                    } else {
                        connectFailures.incrementAndGet();
                        backOff(backoff);
                        backoff = Math.min(backoff * 2, s.reconnectMaxMs);
                    }
                    continue;
                }
                if (!storeState().equals(birthStoreState)) {
                    publishBirth(c); // the store switched to memory, back to its file, or moved a damaged file aside
                }
                int room = s.maxInflight - store.inFlightCount();
                List<StoredMessage> batch = room > 0 ? store.nextBatch(Math.min(room, 50)) : List.of();
                if (batch.isEmpty()) {
                    pause(room > 0 ? 500 : 50);
                    continue;
                }
                for (StoredMessage m : batch) {
                    if (s.rateLimitPerS > 0) {
                        long waitNs = nextSendNs - System.nanoTime();
                        if (waitNs > 0) {
                            Thread.sleep(waitNs / 1_000_000, (int) (waitNs % 1_000_000));
                        }
                        nextSendNs = Math.max(nextSendNs, System.nanoTime()) + (long) (1e9 / s.rateLimitPerS);
                    }
                    send(c, m);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (MqttTransport.TransportException e) {
                LOG.warn("MQTT publish failed ({}), messages stay stored and will be re-sent", e.getMessage());
                store.releaseInFlight();
                pauseQuietly(s.reconnectMinMs);
            } catch (Exception e) {
                LOG.error("cloud sender: {}", e.toString(), e);
                pauseQuietly(s.reconnectMinMs);
            }
        }
    }

    private void send(MqttTransport c, StoredMessage m) throws MqttTransport.TransportException {
        c.publish(m.topic, m.payload, m.qos, m.retain, new MqttTransport.Completion() {
            @Override
            public void confirmed() {
                try {
                    store.markPublished(m.id);
                    confirmed.incrementAndGet();
                    for (CloudDeliveryListener l : deliveryListeners) {
                        l.onMessageConfirmed(Long.toString(m.id));
                    }
                } catch (Exception e) {
                    LOG.warn("confirmed message {} not removed from the store: {}", m.id, e.getMessage());
                }
            }

            @Override
            public void refused(int reasonCode) {
                // MQTT 5: the broker answered "no" for good (not authorized, bad topic...); re-sending cannot help.
                try {
                    store.markPublished(m.id);
                } catch (Exception e) {
                    LOG.warn("refused message {} not removed from the store: {}", m.id, e.getMessage());
                }
                LOG.warn("broker refused message {} on {} (reason code 0x{}), dropped; {} refused so far", m.id,
                        m.topic, Integer.toHexString(reasonCode), refused.incrementAndGet());
            }
        });
        sent.incrementAndGet();
    }

    private boolean connect() {
        closeClient(false);
        MqttTransport c = MqttTransport.create(s.protocol);
        try {
            client = c; // before connect: a connectionLost during connect must find it current
            c.connect(s, s.controlTopic("LWT"), encode(lifecyclePayload()), new MqttTransport.Events() {
                @Override
                public void connectionLost(MqttTransport which, Throwable cause) {
                    LOG.warn("MQTT connection to {} lost: {}", s.brokerUri, cause == null ? "?" : cause.getMessage());
                    onLost(which);
                }

                @Override
                public void messageArrived(String topic, byte[] payload) {
                    deliverInbound(topic, payload);
                }
            });
            connects.incrementAndGet();
            store.releaseInFlight(); // anything unconfirmed on the previous connection is re-sent on this one
            if (inbound != null && !c.subscribe(s.requestFilter(), 1)) {
                // Before BIRTH, as Kura: once the cloud sees the device, it can send requests.
                LOG.warn("broker refused the subscription to {} (requests will not arrive)", s.requestFilter());
            }
            publishBirth(c);
            LOG.info("MQTT connected to {} as {} ({}, connection {}), {} message(s) stored", s.brokerUri, s.clientId,
                    s.protocol, connects.get(), store.size());
            for (CloudConnectionListener l : connectionListeners) {
                l.onConnectionEstablished();
            }
            return true;
        } catch (Exception e) {
            LOG.info("MQTT connect to {} failed: {}{}", s.brokerUri, e.getMessage(),
                    e.getCause() == null ? "" : " (" + e.getCause() + ")");
            closeClient(false);
            return false;
        }
    }

    /** Never throws into Paho's callback thread (an exception there would drop the connection). */
    /**
     * BIRTH with the store's state: how the cloud learns that its file was damaged (moved aside) or that messages
     * are only in memory (full disk), without reading the gateway's log. Sent again when that state changes.
     */
    private void publishBirth(MqttTransport c) throws MqttTransport.TransportException {
        String state = storeState();
        KuraPayload birth = lifecyclePayload();
        birth.addMetric("application_ids", s.appId);
        birth.addMetric("connection_count", connects.get());
        birth.addMetric("store_mode", store.onDisk() ? "file" : "memory");
        birth.addMetric("store_waiting", (long) store.size());
        birth.addMetric("store_damaged_moved_aside", store.damagedMovedAside());
        birth.addMetric("store_memory_fallbacks", store.memoryFallbacks());
        String storeNotice = store.notice();
        if (!storeNotice.isEmpty()) {
            birth.addMetric("store_notice", storeNotice); // damaged file moved aside, or messages kept in memory
        }
        c.publishAndWait(s.controlTopic("BIRTH"), encode(birth), 1, 10_000);
        birthStoreState = state;
    }

    private String storeState() {
        return (store.onDisk() ? "file" : "memory") + "/" + store.damagedMovedAside() + "/" + store.memoryFallbacks();
    }

    private void deliverInbound(String topic, byte[] payload) {
        BiConsumer<String, byte[]> h = inbound;
        if (h == null) {
            return;
        }
        try {
            h.accept(topic, payload);
        } catch (RuntimeException e) {
            LOG.warn("inbound message on {} not handled: {}", topic, e.toString());
        }
    }

    private void onLost(MqttTransport which) {
        if (which != client) {
            return;
        }
        store.releaseInFlight();
        for (CloudConnectionListener l : connectionListeners) {
            l.onConnectionLost();
        }
        synchronized (lock) {
            lock.notifyAll();
        }
    }

    private KuraPayload lifecyclePayload() {
        KuraPayload p = new KuraPayload();
        p.setTimestamp(new Date());
        p.addMetric("uptime", System.currentTimeMillis() - startMs);
        p.addMetric("display_name", s.clientId);
        p.addMetric("client_id", s.clientId);
        p.addMetric("os", System.getProperty("os.name", "?"));
        p.addMetric("os_version", System.getProperty("os.version", "?"));
        p.addMetric("jvm_name", System.getProperty("java.vm.name", "?"));
        p.addMetric("jvm_version", System.getProperty("java.version", "?"));
        return p;
    }

    private void pause(long ms) throws InterruptedException {
        synchronized (lock) {
            if (running) {
                lock.wait(ms);
            }
        }
    }

    /** Waits the full back-off: new messages (which notify the lock) must not speed up reconnect attempts. */
    private void backOff(long ms) throws InterruptedException {
        long deadline = System.nanoTime() + ms * 1_000_000;
        synchronized (lock) {
            for (long left = ms; running && left > 0; left = (deadline - System.nanoTime()) / 1_000_000) {
                lock.wait(left);
            }
        }
    }

    private void pauseQuietly(long ms) {
        try {
            pause(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void closeClient(boolean clean) {
        MqttTransport c = client;
        client = null;
        if (c != null) {
            c.disconnect(clean);
            c.close();
        }
    }

    /** Clean shutdown: DC message, then DISCONNECT (so the broker does not publish the LWT). */
    @Override
    public void close() {
        running = false;
        synchronized (lock) {
            lock.notifyAll();
        }
        if (sender != null) {
            sender.interrupt();
            try {
                sender.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        MqttTransport c = client;
        if (c != null && c.isConnected()) {
            try {
                c.publishAndWait(s.controlTopic("DC"), encode(lifecyclePayload()), 1, 3000);
            } catch (MqttTransport.TransportException e) {
                LOG.warn("DC message not sent: {}", e.getMessage());
            }
            for (CloudConnectionListener l : connectionListeners) {
                l.onDisconnected();
            }
        }
        closeClient(true);
    }

    /** Test hook: drop the TCP connection without DISCONNECT, as a crash would (the broker then sends the LWT). */
    void killConnection() {
        running = false;
        if (sender != null) {
            sender.interrupt();
            try {
                sender.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        closeClient(false);
    }

    public boolean isConnected() {
        MqttTransport c = client;
        return c != null && c.isConnected();
    }

    /** Connection and store counters; {@code storeOnDisk} is 0 while the store keeps messages in memory. */
    public Map<String, Long> counters() {
        Map<String, Long> m = new TreeMap<>(Map.of("sent", sent.get(), "confirmed", confirmed.get(), "connects",
                connects.get(), "connectFailures", connectFailures.get(), "refused", refused.get(), "stored",
                (long) store.size(), "droppedCapacity", store.droppedForCapacity(), "droppedAge",
                store.droppedForAge()));
        m.put("storeOnDisk", store.onDisk() ? 1L : 0L);
        m.put("storeDamagedMovedAside", store.damagedMovedAside());
        m.put("storeMemoryFallbacks", store.memoryFallbacks());
        m.put("droppedMemory", store.droppedInMemory());
        return m;
    }

    public void addConnectionListener(CloudConnectionListener l) {
        connectionListeners.add(l);
    }

    public void removeConnectionListener(CloudConnectionListener l) {
        connectionListeners.remove(l);
    }

    public void addDeliveryListener(CloudDeliveryListener l) {
        deliveryListeners.add(l);
    }

    public void removeDeliveryListener(CloudDeliveryListener l) {
        deliveryListeners.remove(l);
    }
}
