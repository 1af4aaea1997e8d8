package io.vigie.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import org.eclipse.kura.message.KuraPayload;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;

import io.vigie.cloud.paho.KuraPayloadCodec;
import io.vigie.testkit.Mosquitto;

/**
 * Issue 4's outage scenario on the real gateway process: the telemetry publishes metrics every second through the
 * cloud connection (store-and-forward), the broker is stopped for 60 s, the gateway process is stopped (SIGTERM) and
 * started again in the middle of the outage, then the broker comes back. Every metrics message the gateway produced
 * must reach the cloud side (at-least-once: a duplicate is allowed and counted), in production order.
 */
class CloudOutageTest {
    static final String ACCOUNT = "acct";
    static final String CLIENT = "vigie-outage";
    static final String METRICS = ACCOUNT + "/" + CLIENT + "/VIGIE/metrics";
    static final long OUTAGE_MS = Long.getLong("vigie.it.outage.ms", 60_000);
    /** Metrics are produced every second; a later one on a busy box is tolerated, a lost one is not. */
    static final long MAX_GAP_MS = 3_000;

    record Arrival(long timestamp, long uptimeS) {
    }

    @Test
    void everyMetricsMessageArrivesInOrderAcrossABrokerOutageAndAGatewayRestart() throws Exception {
        Path dir = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "outage-");
        KuraPayloadCodec codec = new KuraPayloadCodec();
        List<Arrival> arrivals = new CopyOnWriteArrayList<>();
        try (Mosquitto broker = new Mosquitto(Files.createDirectories(dir.resolve("broker")));
                Gateway gw = new Gateway(dir.resolve("gw"))) {
            broker.start();
            // The cloud side: a persistent session, so what the gateway sends while this client is still reconnecting
            // after the broker's return is queued for it by the broker.
            MqttClient cloud = new MqttClient(broker.uri(), "cloud-outage", new MemoryPersistence());
            cloud.setCallback(new MqttCallback() {
                @Override
                public void connectionLost(Throwable cause) {
                }

                @Override
                public void messageArrived(String topic, MqttMessage m) {
                    KuraPayload p = codec.decode(m.getPayload());
                    arrivals.add(new Arrival(p.getTimestamp().getTime(), (Long) p.getMetric("uptime.s")));
                }

                @Override
                public void deliveryComplete(IMqttDeliveryToken t) {
                }
            });
            MqttConnectOptions o = new MqttConnectOptions();
            o.setCleanSession(false);
            o.setAutomaticReconnect(true);
            o.setMaxReconnectDelay(1000);
            cloud.connect(o);
            cloud.subscribe(METRICS, 1);

            gw.writeConfig("io.vigie.detector", GatewayTest.detectorConfig("INT8", Gateway.vtest().toAbsolutePath()
                    .toString(), "floor:0,0.25;1,0.25;1,1;0,1"));
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("broker.uri", broker.uri());
            c.put("client.id", CLIENT);
            c.put("account.name", ACCOUNT);
            c.put("store.path", dir.resolve("store").toString());
            gw.writeConfig("io.vigie.cloud.paho", c);
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("metrics.interval.s", "1");
            t.put("rate.max.per.s", "20"); // no rate drops: every metrics message is published
            t.put("rate.burst", "50");
            gw.writeConfig("io.vigie.telemetry", t);
            gw.start();

            await("metrics flowing", () -> arrivals.size() >= 3, 90_000, gw);
            long brokerDown = System.currentTimeMillis();
            broker.stop();
            Thread.sleep(OUTAGE_MS / 2);
            long gatewayDown = System.currentTimeMillis();
            gw.close(); // SIGTERM: the framework stops, the store closes
            gw.start();
            await("gateway back", () -> {
                try {
                    return gw.get("/vigie/api/status").statusCode() == 200;
                } catch (Exception notYet) {
                    return false;
                }
            }, 90_000, gw);
            long gatewayUp = System.currentTimeMillis();
            Thread.sleep(Math.max(0, brokerDown + OUTAGE_MS - System.currentTimeMillis()));
            long brokerUp = System.currentTimeMillis();
            broker.start();
            // FIFO within a priority: once a message produced after the broker's return arrives, everything stored
            // before it has arrived. The gateway's reconnect back-off may add up to a minute.
            await("a metrics message produced after the broker's return",
                    () -> arrivals.stream().anyMatch(a -> a.timestamp() > brokerUp + 2_000), 150_000, gw);
            cloud.disconnect();
            cloud.close();

            List<Arrival> got = new ArrayList<>(arrivals);
            Set<Long> distinct = new HashSet<>();
            int duplicates = 0;
            List<Long> inOrder = new ArrayList<>();
            List<Arrival> firstCopies = new ArrayList<>();
            for (Arrival a : got) {
                if (distinct.add(a.timestamp())) {
                    inOrder.add(a.timestamp());
                    firstCopies.add(a);
                } else {
                    duplicates++;
                }
            }
            long before = inOrder.stream().filter(ts -> ts > brokerDown && ts < gatewayDown).count();
            long after = inOrder.stream().filter(ts -> ts > gatewayUp && ts < brokerUp).count();
            System.out.printf("outage: broker down %.1f s, gateway restarted %.1f s into it (down %.1f s); metrics"
                    + " produced during the outage and received: %d before the restart, %d after it; %d received in"
                    + " all, %d distinct, %d duplicate(s)%n", (brokerUp - brokerDown) / 1e3,
                    (gatewayDown - brokerDown) / 1e3, (gatewayUp - gatewayDown) / 1e3, before, after, got.size(),
                    distinct.size(), duplicates);

            for (int i = 1; i < inOrder.size(); i++) {
                assertTrue(inOrder.get(i) > inOrder.get(i - 1), "arrival order is production order: "
                        + inOrder.get(i - 1) + " then " + inOrder.get(i));
            }
            // No gap in what each gateway process produced: one message a second from the outage's start to the
            // restart, and from the restarted gateway's first message to the broker's return.
            assertNoGap(inOrder, brokerDown - MAX_GAP_MS, gatewayDown);
            long firstAfterRestart = inOrder.stream().filter(ts -> ts > gatewayDown).findFirst().orElseThrow();
            assertNoGap(inOrder, firstAfterRestart, brokerUp + 2_000);
            assertTrue(before >= (gatewayDown - brokerDown) / 1000 - 3, "stored before the restart: " + before);
            assertTrue(after >= 5, "stored by the restarted gateway during the outage: " + after);
            long restarts = 0;
            for (int i = 1; i < firstCopies.size(); i++) {
                if (firstCopies.get(i).uptimeS() < firstCopies.get(i - 1).uptimeS()) restarts++;
            }
            assertEquals(1, restarts, "one gateway restart seen in the uptime metric");
        }
    }

    static void assertNoGap(List<Long> timestamps, long from, long to) {
        long prev = -1;
        for (long ts : timestamps) {
            if (ts < from || ts > to) continue;
            if (prev >= 0) {
                assertTrue(ts - prev <= MAX_GAP_MS, "a metrics message is missing between " + prev + " and " + ts
                        + " (" + (ts - prev) + " ms)");
            }
            prev = ts;
        }
        assertTrue(prev >= 0, "no metrics message between " + from + " and " + to);
    }

    interface Check {
        boolean ok() throws Exception;
    }

    static void await(String what, Check c, long timeoutMs, Gateway gw) throws Exception {
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (System.currentTimeMillis() < deadline) {
            if (c.ok()) return;
            Thread.sleep(200);
        }
        throw new AssertionError("timed out waiting for " + what + "\n---- gateway log tail ----\n" + gw.tail());
    }
}
