package io.vigie.cloud.paho;

import static java.time.Duration.ofSeconds;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import org.eclipse.kura.cloudconnection.message.KuraMessage;
import org.eclipse.kura.cloudconnection.request.RequestHandler;
import org.eclipse.kura.cloudconnection.request.RequestHandlerContext;
import org.eclipse.kura.message.KuraPayload;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.vigie.testkit.Mosquitto;

/** protocol=mqtt-5 against mosquitto 2 (MQTT 5): data, BIRTH, a request round trip, LWT; the broker logs p5. */
class Mqtt5IT {

    @TempDir
    Path brokerDir;
    @TempDir
    Path storeDir;

    @Test
    void dataRequestAndLwtOverMqtt5() throws Exception {
        KuraPayloadCodec codec = new KuraPayloadCodec();
        List<Map.Entry<String, KuraPayload>> got = Collections.synchronizedList(new ArrayList<>());
        try (Mosquitto broker = new Mosquitto(brokerDir)) {
            broker.start();
            // The "cloud" speaks MQTT 3.1.1: protocols mix freely on one broker.
            MqttClient cloud = new MqttClient(broker.uri(), "cloud", new MemoryPersistence());
            cloud.connect();
            cloud.subscribe(new String[] { "acct/#", "$EDC/acct/#" }, new int[] { 1, 1 },
                    new org.eclipse.paho.client.mqttv3.IMqttMessageListener[] {
                            (t, m) -> got.add(Map.entry(t, codec.decode(m.getPayload()))),
                            (t, m) -> got.add(Map.entry(t, codec.decode(m.getPayload()))) });
            CloudSettings s = new CloudSettings();
            s.brokerUri = broker.uri();
            s.protocol = "mqtt-5";
            s.clientId = "gw5";
            s.accountName = "acct";
            s.storePath = storeDir;
            s.reconnectMinMs = 200;
            try (MessageStore store = new MessageStore(storeDir, 1000, 0, System::currentTimeMillis)) {
                MqttForwarder f = new MqttForwarder(s, store, codec);
                RequestDispatcher requests = new RequestDispatcher(s, f, codec, new NotificationPublisher(s, f), "n");
                f.setInboundHandler(requests::onMessage);
                requests.registerRequestHandler("APP", new RequestHandler() {
                    @Override
                    public KuraMessage doGet(RequestHandlerContext c, KuraMessage req) {
                        KuraPayload p = new KuraPayload();
                        p.addMetric("args", String.valueOf(req.getProperties().get("args")));
                        return new KuraMessage(p);
                    }
                });
                try {
                    f.start();
                    await("BIRTH").atMost(ofSeconds(15)).until(() -> has(got, "$EDC/acct/gw5/MQTT/BIRTH"));
                    KuraPayload e = new KuraPayload();
                    e.addMetric("seq", 1);
                    f.publish("events", e, 1, false, 5);
                    await("data message").atMost(ofSeconds(15)).until(() -> has(got, "acct/gw5/VIGIE/events"));
                    assertEquals(1, first(got, "acct/gw5/VIGIE/events").getMetric("seq"));

                    KuraPayload req = new KuraPayload();
                    req.addMetric("request.id", "v5");
                    req.addMetric("requester.client.id", "cloud");
                    cloud.publish("$EDC/acct/gw5/APP/GET/zones/1", codec.encode(req), 1, false);
                    await("reply").atMost(ofSeconds(15)).until(() -> has(got, "$EDC/acct/cloud/APP/REPLY/v5"));
                    KuraPayload reply = first(got, "$EDC/acct/cloud/APP/REPLY/v5");
                    assertEquals(200, reply.getMetric("response.code"));
                    assertEquals("[zones, 1]", reply.getMetric("args"));
                    await("store drained").atMost(ofSeconds(15)).until(() -> store.size() == 0);
                    // No Local: our own BIRTH and reply did not come back to the gateway as inbound messages.
                    assertEquals(0, requests.counter("ignored"), requests.counters().toString());

                    f.killConnection();
                    await("LWT").atMost(ofSeconds(15)).until(() -> has(got, "$EDC/acct/gw5/MQTT/LWT"));
                } finally {
                    requests.close();
                    f.close();
                    cloud.disconnect(1000);
                    cloud.close(true);
                }
            }
            String log = Files.readString(brokerDir.resolve("log"));
            assertTrue(log.matches("(?s).*as gw5 \\(p5,.*"), "mosquitto saw gw5 as MQTT 5 (p5): " + log);
        }
    }

    private static boolean has(List<Map.Entry<String, KuraPayload>> got, String topic) {
        synchronized (got) {
            return got.stream().anyMatch(e -> e.getKey().equals(topic));
        }
    }

    private static KuraPayload first(List<Map.Entry<String, KuraPayload>> got, String topic) {
        synchronized (got) {
            return got.stream().filter(e -> e.getKey().equals(topic)).findFirst().orElseThrow().getValue();
        }
    }

    /** MQTT 5 only: a PUBACK with a failure reason code (mosquitto's ACL: 0x87 not authorized) drops the message. */
    @Test
    void brokerRefusalIsCountedAndTheMessageDropped() throws Exception {
        Path acl = brokerDir.resolve("acl");
        Files.writeString(acl, "topic deny acct/gw5r/VIGIE/denied/#\ntopic readwrite acct/#\ntopic readwrite $EDC/#\n");
        try (Mosquitto broker = new Mosquitto(brokerDir)) {
            Files.writeString(brokerDir.resolve("mosquitto.conf"), "acl_file " + acl + "\n",
                    java.nio.file.StandardOpenOption.APPEND);
            broker.start();
            KuraPayloadCodec codec = new KuraPayloadCodec();
            List<String> got = Collections.synchronizedList(new ArrayList<>());
            MqttClient cloud = new MqttClient(broker.uri(), "cloud5r", new MemoryPersistence());
            cloud.connect();
            cloud.subscribe("acct/#", 1, (t, m) -> got.add(t));
            CloudSettings s = new CloudSettings();
            s.brokerUri = broker.uri();
            s.protocol = "mqtt-5";
            s.clientId = "gw5r";
            s.accountName = "acct";
            s.storePath = storeDir;
            try (MessageStore store = new MessageStore(storeDir, 1000, 0, System::currentTimeMillis);
                    MqttForwarder f = new MqttForwarder(s, store, codec)) {
                f.start();
                f.publish("denied/x", new KuraPayload(), 1, false, 5);
                f.publish("allowed", new KuraPayload(), 1, false, 5);
                await("allowed message").atMost(ofSeconds(15)).until(() -> got.contains("acct/gw5r/VIGIE/allowed"));
                await("refusal counted").atMost(ofSeconds(15)).until(() -> f.counters().get("refused") == 1);
                await("store empty").atMost(ofSeconds(15)).until(() -> store.size() == 0);
                assertEquals(List.of("acct/gw5r/VIGIE/allowed"), got);
            } finally {
                cloud.disconnect(1000);
                cloud.close(true);
            }
        }
    }
}
