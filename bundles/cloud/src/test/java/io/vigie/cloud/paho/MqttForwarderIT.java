package io.vigie.cloud.paho;

import io.vigie.testkit.Mosquitto;
import static java.time.Duration.ofMillis;
import static java.time.Duration.ofSeconds;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.eclipse.kura.message.KuraPayload;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Against a real Mosquitto: namespace, encoding, BIRTH/DC/LWT, and an outage with a gateway restart in the middle. */
class MqttForwarderIT {

    @TempDir
    static Path brokerDir;
    static Mosquitto broker;

    @TempDir
    Path storeDir;

    private final KuraPayloadCodec codec = new KuraPayloadCodec();
    private final List<String[]> received = Collections.synchronizedList(new ArrayList<>()); // topic, hex-free id
    private final List<KuraPayload> payloads = Collections.synchronizedList(new ArrayList<>());
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeAll
    static void startBroker() throws Exception {
        broker = new Mosquitto(brokerDir);
        broker.start();
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    @AfterEach
    void closeAll() {
        Collections.reverse(toClose);
        for (AutoCloseable c : toClose) {
            try {
                c.close();
            } catch (Exception ignored) {
                // best effort
            }
        }
    }

    private CloudSettings settings(String client) {
        CloudSettings s = new CloudSettings();
        s.brokerUri = broker.uri();
        s.clientId = client;
        s.accountName = "acct";
        s.appId = "VIGIE";
        s.storePath = storeDir;
        s.reconnectMinMs = 200;
        s.reconnectMaxMs = 1000;
        s.keepAliveS = 5;
        return s;
    }

    private final java.util.Map<MqttForwarder, MessageStore> stores = new java.util.HashMap<>();

    /** Gateway restart: clean stop of the forwarder and its database, then both anew on the same folder. */
    private MqttForwarder restart(MqttForwarder f, CloudSettings s) throws Exception {
        f.close();
        stores.remove(f).close();
        return forwarder(s);
    }

    private MqttForwarder forwarder(CloudSettings s) throws Exception {
        MessageStore store = new MessageStore(s.storePath, s.storeCapacity, s.storeMaxAgeS * 1000,
                System::currentTimeMillis);
        MqttForwarder f = new MqttForwarder(s, store, codec);
        stores.put(f, store);
        toClose.add(store);
        toClose.add(f);
        f.start();
        return f;
    }

    /** A persistent-session QoS 1 subscriber on data and control topics that decodes every payload. */
    private MqttClient subscriber(String id, boolean cleanSession) throws Exception {
        MqttClient c = new MqttClient(broker.uri(), id, new MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(cleanSession);
        o.setAutomaticReconnect(true);
        o.setMaxReconnectDelay(500);
        c.setCallback(new org.eclipse.paho.client.mqttv3.MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {
            }

            @Override
            public void messageArrived(String topic, org.eclipse.paho.client.mqttv3.MqttMessage message) {
                KuraPayload p = codec.decode(message.getPayload());
                payloads.add(p);
                received.add(new String[] { topic, String.valueOf(p.getMetric("seq")) });
            }

            @Override
            public void deliveryComplete(org.eclipse.paho.client.mqttv3.IMqttDeliveryToken token) {
            }
        });
        c.connect(o);
        c.subscribe(new String[] { "acct/#", "$EDC/acct/#" }, new int[] { 1, 1 });
        toClose.add(() -> {
            if (c.isConnected()) {
                c.disconnect(1000);
            }
            c.close(true);
        });
        return c;
    }

    private long count(String topic) {
        synchronized (received) {
            return received.stream().filter(r -> r[0].equals(topic)).count();
        }
    }

    private static KuraPayload event(int seq) {
        KuraPayload p = new KuraPayload();
        p.setTimestamp(new java.util.Date());
        p.addMetric("seq", seq);
        p.addMetric("zone", "gate");
        p.addMetric("score", 0.87d);
        return p;
    }

    @Test
    void namespaceEncodingBirthAndCleanDisconnect() throws Exception {
        subscriber("sub-ns", true);
        MqttForwarder f = forwarder(settings("gw1"));
        await("BIRTH").atMost(ofSeconds(10)).until(() -> count("$EDC/acct/gw1/MQTT/BIRTH") == 1);
        KuraPayload big = event(3);
        big.setBody(new byte[20_000]); // compressible: travels gzipped, subscriber's codec inflates it
        f.publish("events/intrusion", event(1), 1, false, 5);
        f.publish("metrics", event(2), 0, false, 5);
        f.publish("events/intrusion", big, 1, false, 5);
        await("3 data messages").atMost(ofSeconds(10)).until(() -> count("acct/gw1/VIGIE/events/intrusion") == 2
                && count("acct/gw1/VIGIE/metrics") == 1);
        await("store drained").atMost(ofSeconds(10)).until(() -> f.counters().get("stored") == 0);
        synchronized (payloads) {
            KuraPayload birth = payloads.get(0);
            assertEquals("VIGIE", birth.getMetric("application_ids"));
            assertEquals("gw1", birth.getMetric("client_id"));
            KuraPayload last = payloads.stream().filter(p -> Integer.valueOf(3).equals(p.getMetric("seq")))
                    .findFirst().orElseThrow();
            assertEquals(20_000, last.getBody().length);
            assertEquals("gate", last.getMetric("zone"));
            assertEquals(0.87d, last.getMetric("score"));
        }
        f.close();
        await("DC").atMost(ofSeconds(10)).until(() -> count("$EDC/acct/gw1/MQTT/DC") == 1);
        // clean shutdown: no LWT, checked throughout half a second (the broker would publish it at once)
        await("no LWT").during(ofMillis(500)).atMost(ofSeconds(5)).until(() -> count("$EDC/acct/gw1/MQTT/LWT") == 0);
        assertThrows(IllegalArgumentException.class, () -> f.publish("a/#", event(9), 1, false, 5));
        assertThrows(IllegalArgumentException.class, () -> f.publish("a", event(9), 2, false, 5));
    }

    @Test
    void lwtWhenTheConnectionDiesWithoutDisconnect() throws Exception {
        subscriber("sub-lwt", true);
        MqttForwarder f = forwarder(settings("gw2"));
        await("BIRTH").atMost(ofSeconds(10)).until(() -> count("$EDC/acct/gw2/MQTT/BIRTH") == 1);
        long t0 = System.nanoTime();
        f.killConnection(); // socket closed, no DISCONNECT packet: what a crash or power loss looks like to the broker
        await("LWT").atMost(ofSeconds(15)).until(() -> count("$EDC/acct/gw2/MQTT/LWT") == 1);
        System.out.printf("LWT seen %d ms after the connection was killed%n", (System.nanoTime() - t0) / 1_000_000);
        assertEquals(0, count("$EDC/acct/gw2/MQTT/DC"));
    }

    @Test
    void outageWithGatewayRestartLosesNothingAndKeepsOrder() throws Exception {
        int n = 300;
        subscriber("sub-outage", false); // persistent session: the broker keeps it across its own restart
        CloudSettings s = settings("gw3");
        MqttForwarder f = forwarder(s);
        await("BIRTH").atMost(ofSeconds(10)).until(() -> count("$EDC/acct/gw3/MQTT/BIRTH") == 1);

        broker.stop();
        long outageStart = System.nanoTime();
        // Half the events before the gateway restarts, half after; every third one is urgent (priority 1).
        for (int i = 0; i < n / 2; i++) {
            f.publish("events", event(i), 1, false, i % 3 == 0 ? 1 : 5);
        }
        MqttForwarder f2 = restart(f, s); // same store folder: the restarted gateway finds the backlog on disk
        assertEquals(n / 2, f2.counters().get("stored"));
        for (int i = n / 2; i < n; i++) {
            f2.publish("events", event(i), 1, false, i % 3 == 0 ? 1 : 5);
        }
        assertEquals(n, f2.counters().get("stored"));
        long failures = f2.counters().get("connectFailures");
        await("failed reconnects while the broker is down").atMost(ofSeconds(20))
                .until(() -> f2.counters().get("connectFailures") >= failures + 2);

        broker.start();
        long back = System.nanoTime();
        await(n + " events").atMost(ofSeconds(60)).until(() -> count("acct/gw3/VIGIE/events") >= n);
        await("store drained").atMost(ofSeconds(10)).until(() -> f2.counters().get("stored") == 0);
        long drainMs = (System.nanoTime() - back) / 1_000_000;

        List<Integer> seqs = new ArrayList<>();
        synchronized (received) {
            for (String[] r : received) {
                if (r[0].equals("acct/gw3/VIGIE/events")) {
                    seqs.add(Integer.valueOf(r[1]));
                }
            }
        }
        long distinct = seqs.stream().distinct().count();
        System.out.printf("outage: %d published while the broker was down (gateway restarted once), %d received,"
                + " %d distinct, %d duplicates, outage %d ms, drained %d ms after the broker came back%n", n,
                seqs.size(), distinct, seqs.size() - distinct, (back - outageStart) / 1_000_000, drainMs);
        assertEquals(n, distinct, "every event arrives");
        // First arrival order: all urgent events FIFO, then the rest FIFO.
        List<Integer> firstSeen = seqs.stream().distinct().collect(java.util.stream.Collectors.toList());
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < n; i += 3) {
            expected.add(i);
        }
        for (int i = 0; i < n; i++) {
            if (i % 3 != 0) {
                expected.add(i);
            }
        }
        assertEquals(expected, firstSeen);
    }

    /** Measured, not asserted (timings): publish rate with the durable store, and end-to-end delivery of a burst. */
    @Test
    void burstThroughTheDurableStore() throws Exception {
        int n = 3000;
        subscriber("sub-burst", true);
        MqttForwarder f = forwarder(settings("gw4"));
        await("BIRTH").atMost(ofSeconds(10)).until(() -> count("$EDC/acct/gw4/MQTT/BIRTH") == 1);
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            f.publish("metrics", event(i), 1, false, 5);
        }
        long stored = System.nanoTime();
        await(n + " messages").atMost(ofSeconds(120)).until(() -> count("acct/gw4/VIGIE/metrics") >= n);
        long done = System.nanoTime();
        await("store drained").atMost(ofSeconds(10)).until(() -> f.counters().get("stored") == 0);
        System.out.printf("burst: %d QoS 1 messages stored in %d ms (%.0f msg/s), all received after %d ms (%.0f msg/s"
                + " end to end)%n", n, (stored - t0) / 1_000_000, n * 1e9 / (stored - t0), (done - t0) / 1_000_000,
                n * 1e9 / (done - t0));
        List<Integer> seqs = new ArrayList<>();
        synchronized (received) {
            for (String[] r : received) {
                if (r[0].equals("acct/gw4/VIGIE/metrics")) {
                    seqs.add(Integer.valueOf(r[1]));
                }
            }
        }
        assertEquals(n, seqs.stream().distinct().count());
    }

    /** A steady stream while the broker goes away mid-stream (messages in flight) and comes back. */
    @Test
    void steadyStreamAcrossABrokerRestart() throws Exception {
        int n = 400;
        MqttClient sub = subscriber("sub-stream", false);
        MqttForwarder f = forwarder(settings("gw5"));
        await("BIRTH").atMost(ofSeconds(10)).until(() -> count("$EDC/acct/gw5/MQTT/BIRTH") == 1);
        Thread producer = new Thread(() -> {
            try {
                for (int i = 0; i < n; i++) {
                    f.publish("events", event(i), 1, false, 5);
                    Thread.sleep(5);
                }
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        producer.start();
        await("first events").atMost(ofSeconds(10)).until(() -> count("acct/gw5/VIGIE/events") >= 50);
        long failures = f.counters().get("connectFailures");
        broker.stop();
        // the stream goes on into the store until the forwarder has failed to reconnect twice
        await("failed reconnects").atMost(ofSeconds(20)).until(() -> f.counters().get("connectFailures") >= failures + 2);
        broker.start();
        producer.join(60_000);
        try {
            await(n + " distinct events").atMost(ofSeconds(60)).until(() -> {
                synchronized (received) {
                    return received.stream().filter(r -> r[0].equals("acct/gw5/VIGIE/events")).map(r -> r[1]).distinct()
                            .count() >= n;
                }
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            // Seen once in a full-suite run and never alone: say what was missing and what the broker saw, for the next one
            java.util.Set<String> got;
            synchronized (received) {
                got = received.stream().filter(r -> r[0].equals("acct/gw5/VIGIE/events")).map(r -> r[1])
                        .collect(java.util.stream.Collectors.toSet());
            }
            List<Integer> missing = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                if (!got.contains(String.valueOf(i))) missing.add(i);
            }
            List<String> log = Files.readAllLines(brokerDir.resolve("log"));
            fail(missing.size() + " of " + n + " events never reached the subscriber (first: "
                    + missing.subList(0, Math.min(20, missing.size())) + "); subscriber connected: " + sub.isConnected()
                    + "; forwarder counters " + f.counters() + "; broker log tail:\n"
                    + String.join("\n", log.subList(Math.max(0, log.size() - 40), log.size())), e);
        }
        await("store drained").atMost(ofSeconds(10)).until(() -> f.counters().get("stored") == 0);
        List<Integer> seqs = new ArrayList<>();
        synchronized (received) {
            for (String[] r : received) {
                if (r[0].equals("acct/gw5/VIGIE/events")) {
                    seqs.add(Integer.valueOf(r[1]));
                }
            }
        }
        List<Integer> firstSeen = seqs.stream().distinct().collect(java.util.stream.Collectors.toList());
        int inversions = 0;
        for (int i = 1; i < firstSeen.size(); i++) {
            if (firstSeen.get(i) < firstSeen.get(i - 1)) {
                inversions++;
            }
        }
        System.out.printf("stream: %d published, broker restarted mid-stream, %d received, %d distinct, %d duplicates,"
                + " %d order inversions (first arrivals)%n", n, seqs.size(), firstSeen.size(),
                seqs.size() - firstSeen.size(), inversions);
        assertEquals(n, firstSeen.size(), "every event arrives at least once");
    }

    /**
     * Issue 4's outage scenario, 60 s as the issue asks (-Dvigie.cloud.outage.s=N for a quicker local run): a steady
     * stream (50 events/s, every 5th urgent), broker stopped, gateway restarted halfway through the outage, broker
     * back. Every event must arrive, first arrivals in order within each priority.
     */
    @Test
    void outageScenario() throws Exception {
        long outageMs = Long.getLong("vigie.cloud.outage.s", 60) * 1000;
        subscriber("sub-scenario", false);
        CloudSettings s = settings("gw6");
        java.util.concurrent.atomic.AtomicReference<MqttForwarder> gw = new java.util.concurrent.atomic.AtomicReference<>(
                forwarder(s));
        await("BIRTH").atMost(ofSeconds(10)).until(() -> count("$EDC/acct/gw6/MQTT/BIRTH") == 1);
        Object gate = new Object();
        java.util.concurrent.atomic.AtomicInteger published = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        Thread producer = new Thread(() -> {
            try {
                for (int i = 0; !stop.get(); i++) {
                    synchronized (gate) { // held during the gateway restart: the application is down too
                        gw.get().publish("events", event(i), 1, false, i % 5 == 0 ? 1 : 5);
                    }
                    published.incrementAndGet();
                    Thread.sleep(20);
                }
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        producer.start();
        await("the stream flowing").atMost(ofSeconds(10)).until(() -> count("acct/gw6/VIGIE/events") >= 20);
        broker.stop();
        long down = System.nanoTime();
        Thread.sleep(outageMs / 2); // the outage's length is the scenario, not a wait for something to happen
        synchronized (gate) {
            gw.set(restart(gw.get(), s));
        }
        int storedAfterRestart = gw.get().counters().get("stored").intValue();
        Thread.sleep(outageMs - outageMs / 2);
        broker.start();
        long up = System.nanoTime();
        int publishedAtUp = published.get();
        // events published after the broker is back arrive live before the stream stops
        await("live events after the outage").atMost(ofSeconds(60)).until(() -> {
            synchronized (received) {
                return received.stream().anyMatch(r -> r[0].equals("acct/gw6/VIGIE/events")
                        && Integer.parseInt(r[1]) > publishedAtUp);
            }
        });
        stop.set(true);
        producer.join(10_000);
        int n = published.get();
        await(n + " distinct events").atMost(ofSeconds(60 + outageMs / 1000)).until(() -> {
            synchronized (received) {
                return received.stream().filter(r -> r[0].equals("acct/gw6/VIGIE/events")).map(r -> r[1]).distinct()
                        .count() >= n;
            }
        });
        long drained = System.nanoTime();
        await("store drained").atMost(ofSeconds(10)).until(() -> gw.get().counters().get("stored") == 0);
        List<Integer> seqs = new ArrayList<>();
        synchronized (received) {
            for (String[] r : received) {
                if (r[0].equals("acct/gw6/VIGIE/events")) {
                    seqs.add(Integer.valueOf(r[1]));
                }
            }
        }
        List<Integer> firstSeen = seqs.stream().distinct().collect(java.util.stream.Collectors.toList());
        int inversions = 0;
        for (int prio = 0; prio < 2; prio++) {
            int last = -1;
            for (int seq : firstSeen) {
                if ((seq % 5 == 0) == (prio == 0)) {
                    if (seq < last) {
                        inversions++;
                    }
                    last = seq;
                }
            }
        }
        System.out.printf("scenario: outage %d ms with a gateway restart (%d stored at restart), %d published,"
                + " %d received, %d distinct, %d duplicates, %d in-priority order inversions, all delivered %d ms after"
                + " the broker came back%n", (up - down) / 1_000_000, storedAfterRestart, n, seqs.size(),
                firstSeen.size(), seqs.size() - firstSeen.size(), inversions, (drained - up) / 1_000_000);
        assertEquals(n, firstSeen.size(), "every event arrives at least once");
        assertEquals(0, inversions, "order kept within each priority");
    }
}
