package io.vigie.cloud.paho.osgi;

import static java.time.Duration.ofMillis;
import static java.time.Duration.ofSeconds;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.*;

import java.lang.reflect.Proxy;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.eclipse.kura.KuraErrorCode;
import org.eclipse.kura.KuraException;
import org.eclipse.kura.cloudconnection.listener.CloudDeliveryListener;
import org.eclipse.kura.cloudconnection.message.KuraMessage;
import org.eclipse.kura.message.KuraPayload;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.BundleContext;

import io.vigie.cloud.paho.KuraPayloadCodec;

/** The component as DS would build it (config and context as proxies), against a real mosquitto. */
class PahoCloudPublisherIT {

    @TempDir
    Path dir;

    /** The config annotation with its metatype defaults, except the given overrides. */
    static PahoCloudConfig config(Map<String, Object> overrides) {
        return (PahoCloudConfig) Proxy.newProxyInstance(PahoCloudConfig.class.getClassLoader(),
                new Class<?>[] { PahoCloudConfig.class }, (proxy, m, args) -> {
                    if (overrides.containsKey(m.getName())) {
                        return overrides.get(m.getName());
                    }
                    if (m.getDefaultValue() != null) {
                        return m.getDefaultValue();
                    }
                    if (m.getName().equals("annotationType")) {
                        return PahoCloudConfig.class;
                    }
                    throw new UnsupportedOperationException(m.getName());
                });
    }

    static BundleContext context(Path data) {
        return (BundleContext) Proxy.newProxyInstance(BundleContext.class.getClassLoader(),
                new Class<?>[] { BundleContext.class }, (proxy, m, args) -> {
                    if (m.getName().equals("getProperty") && "vigie.data".equals(args[0])) {
                        return data.toString();
                    }
                    return null;
                });
    }

    /** The component as DS activates it: account "acct", client id "gw", the store under dir's vigie.data. */
    private PahoCloudPublisher component(String brokerUri) throws Exception {
        return new PahoCloudPublisher(context(dir), config(Map.of("broker_uri", brokerUri, "account_name", "acct",
                "client_id", "gw")));
    }

    @Test
    void defaultsMapAndStoreGoesUnderVigieData() {
        io.vigie.cloud.paho.CloudSettings s = PahoCloudPublisher.toSettings(config(Map.of()),
                PahoCloudPublisher.defaultStore(context(dir)));
        s.validate();
        assertEquals(dir.resolve("cloud/store"), s.storePath);
        assertEquals(1, s.defaultQos);
        assertEquals("VIGIE", s.appId);
        io.vigie.cloud.paho.CloudSettings bad = PahoCloudPublisher.toSettings(config(Map.of("broker_uri", "http://x")),
                dir);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, bad::validate);
        assertTrue(e.getMessage().contains("broker.uri"), e.getMessage());
        assertEquals("kura-protobuf", s.payloadEncoding);
        io.vigie.cloud.paho.CloudSettings xml = PahoCloudPublisher.toSettings(config(Map.of("payload_encoding", "xml")),
                dir);
        e = assertThrows(IllegalArgumentException.class, xml::validate);
        assertTrue(e.getMessage().contains("payload.encoding"), e.getMessage());
    }

    @Test
    void publishThroughTheKuraApiAndGetConfirmations() throws Exception {
        assertTrue(Files.isExecutable(Path.of("/usr/sbin/mosquitto")),
                "mosquitto is not installed (scripts/install-deps.sh installs it)");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path conf = dir.resolve("m.conf");
        Files.writeString(conf, "listener " + port + " 127.0.0.1\nallow_anonymous true\npersistence false\nuser root\n");
        Process broker = new ProcessBuilder("/usr/sbin/mosquitto", "-c", conf.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("log").toFile()).start();
        PahoCloudPublisher pub = null;
        MqttClient sub = new MqttClient("tcp://127.0.0.1:" + port, "sub", new MemoryPersistence());
        try {
            // Connecting is the probe: refused until mosquitto listens.
            await("mosquitto did not come up").atMost(ofSeconds(10)).pollInterval(ofMillis(100)).ignoreExceptions()
                    .until(() -> {
                        sub.connect();
                        return true;
                    });
            List<String> topics = Collections.synchronizedList(new ArrayList<>());
            KuraPayloadCodec codec = new KuraPayloadCodec();
            List<Object> counts = Collections.synchronizedList(new ArrayList<>());
            sub.subscribe("acct/#", 1, (t, m) -> {
                topics.add(t);
                counts.add(codec.decode(m.getPayload()).getMetric("persons"));
            });

            pub = component("tcp://127.0.0.1:" + port);
            List<String> confirmed = Collections.synchronizedList(new ArrayList<>());
            CloudDeliveryListener l = confirmed::add;
            pub.registerCloudDeliveryListener(l);

            KuraPayload p = new KuraPayload();
            p.addMetric("persons", 2);
            String id1 = pub.publish(new KuraMessage(p, Map.of("topic", "alerts/zone1", "priority", 0)));
            String id2 = pub.publish(new KuraMessage(p));
            PahoCloudPublisher fp = pub;
            KuraException e = assertThrows(KuraException.class,
                    () -> fp.publish(new KuraMessage(p, Map.of("qos", "one"))));
            assertEquals(KuraErrorCode.INVALID_MESSAGE_EXCEPTION, e.getCode());
            assertTrue(e.getMessage().contains("qos") || String.valueOf(e.getCause()).contains("qos"), e.getMessage());
            KuraPayload bad = new KuraPayload();
            bad.addMetric("x", new Object());
            assertThrows(KuraException.class, () -> fp.publish(new KuraMessage(bad)));
            KuraPayload huge = new KuraPayload();
            byte[] noise = new byte[2 * 1024 * 1024];
            new java.util.Random(1).nextBytes(noise); // incompressible: stays above the 1 MB default after gzip
            huge.setBody(noise);
            KuraException tooBig = assertThrows(KuraException.class, () -> fp.publish(new KuraMessage(huge)));
            assertEquals(KuraErrorCode.INVALID_MESSAGE_EXCEPTION, tooBig.getCode());

            await("2 confirmed, 2 received").atMost(ofSeconds(15)).pollInterval(ofMillis(20)).untilAsserted(() -> assertTrue(
                    confirmed.size() >= 2 && topics.size() >= 2, "confirmations " + confirmed + ", topics " + topics));
            assertEquals(List.of(id1, id2), confirmed);
            assertEquals(List.of("acct/gw/VIGIE/alerts/zone1", "acct/gw/VIGIE/events"), topics);
            assertEquals(List.of(2, 2), counts);
            assertTrue(Files.exists(dir.resolve("cloud/store/" + io.vigie.cloud.paho.MessageStore.FILE_NAME)));
        } finally {
            if (pub != null) {
                pub.deactivate();
            }
            if (sub.isConnected()) {
                sub.disconnect(1000);
            }
            sub.close(true);
            broker.destroy();
            broker.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void componentIsTheRequestRegistryAndNotificationPublisherService() throws Exception {
        try (io.vigie.testkit.Mosquitto broker = new io.vigie.testkit.Mosquitto(Files.createDirectories(dir.resolve("b")))) {
            broker.start();
            KuraPayloadCodec codec = new KuraPayloadCodec();
            List<String> seen = Collections.synchronizedList(new ArrayList<>());
            List<Object> codes = Collections.synchronizedList(new ArrayList<>());
            MqttClient cloud = new MqttClient(broker.uri(), "cloud", new MemoryPersistence());
            cloud.connect();
            cloud.subscribe(new String[] { "$EDC/acct/cloud/#", "$EDC/acct/gw/MQTT/BIRTH" }, new int[] { 1, 1 });
            cloud.setCallback(new org.eclipse.paho.client.mqttv3.MqttCallback() {
                @Override
                public void connectionLost(Throwable cause) {
                }

                @Override
                public void messageArrived(String t, org.eclipse.paho.client.mqttv3.MqttMessage m) {
                    seen.add(t);
                    codes.add(codec.decode(m.getPayload()).getMetric("response.code"));
                }

                @Override
                public void deliveryComplete(org.eclipse.paho.client.mqttv3.IMqttDeliveryToken token) {
                }
            });
            PahoCloudPublisher pub = component(broker.uri());
            try {
                // As a handler bundle does when its RequestHandlerRegistry reference binds (here: possibly before
                // the connection is up).
                pub.registerRequestHandler("CMD-V1", new org.eclipse.kura.cloudconnection.request.RequestHandler() {
                    @Override
                    public KuraMessage doExec(org.eclipse.kura.cloudconnection.request.RequestHandlerContext c,
                            KuraMessage req) {
                        return new KuraMessage(new KuraPayload());
                    }
                });
                PahoCloudNotificationPublisher notifier = new PahoCloudNotificationPublisher(pub);
                await("BIRTH").atMost(ofSeconds(10)).pollInterval(ofMillis(20))
                        .untilAsserted(() -> assertTrue(seen.contains("$EDC/acct/gw/MQTT/BIRTH"), "no BIRTH: " + seen));
                KuraPayload req = new KuraPayload();
                req.addMetric("request.id", "q1");
                req.addMetric("requester.client.id", "cloud");
                cloud.publish("$EDC/acct/gw/CMD-V1/EXEC/snapshot", codec.encode(req), 1, false);
                notifier.publish(new KuraMessage(new KuraPayload(),
                        Map.of("appId", "CMD-V1", "messageType", "progress", "requestorClientId", "cloud")));
                await("REPLY and NOTIFY").atMost(ofSeconds(10)).pollInterval(ofMillis(20))
                        .untilAsserted(() -> assertTrue(seen.contains("$EDC/acct/cloud/CMD-V1/REPLY/q1")
                                && seen.contains("$EDC/acct/cloud/CMD-V1/NOTIFY/gw/progress"), "seen " + seen));
                assertEquals(200, codes.get(seen.indexOf("$EDC/acct/cloud/CMD-V1/REPLY/q1")));
                assertEquals(1L, pub.requestCounters().get("ok"));
                KuraException e = assertThrows(KuraException.class,
                        () -> notifier.publish(new KuraMessage(new KuraPayload(), Map.of("appId", "CMD-V1"))));
                assertTrue(e.getMessage().contains("messageType"), e.getMessage());
                pub.unregister("CMD-V1");
            } finally {
                pub.deactivate();
                cloud.disconnect(1000);
                cloud.close(true);
            }
        }
    }

    /**
     * Issue 10: with the store file's header overwritten (8 kB of garbage) the component used to fail to activate: no
     * BIRTH, no telemetry, no requests. Now the damaged file is moved aside and everything works, and says so.
     */
    @Test
    void damagedStoreFileDoesNotKeepTheGatewayUnreachable() throws Exception {
        Path storeDir = dir.resolve("cloud/store");
        try (io.vigie.cloud.paho.MessageStore old = new io.vigie.cloud.paho.MessageStore(storeDir, 100, 0,
                System::currentTimeMillis)) {
            old.store("acct/gw/VIGIE/events", new byte[100], 1, false, 5);
        }
        byte[] garbage = new byte[8192];
        new java.util.Random(10).nextBytes(garbage);
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(
                storeDir.resolve(io.vigie.cloud.paho.MessageStore.FILE_NAME).toFile(), "rw")) {
            f.write(garbage);
        }
        try (io.vigie.testkit.Mosquitto broker = new io.vigie.testkit.Mosquitto(Files.createDirectories(dir.resolve("b")))) {
            broker.start();
            KuraPayloadCodec codec = new KuraPayloadCodec();
            Map<String, KuraPayload> seen = new java.util.concurrent.ConcurrentHashMap<>();
            MqttClient cloud = new MqttClient(broker.uri(), "cloud", new MemoryPersistence());
            cloud.connect();
            for (String filter : List.of("$EDC/acct/cloud/#", "$EDC/acct/gw/MQTT/BIRTH", "acct/gw/#")) {
                cloud.subscribe(filter, 1, (t, m) -> seen.put(t, codec.decode(m.getPayload())));
            }
            PahoCloudPublisher pub = component(broker.uri());
            try {
                pub.registerRequestHandler("DEPLOY-V2", new org.eclipse.kura.cloudconnection.request.RequestHandler() {
                    @Override
                    public KuraMessage doGet(org.eclipse.kura.cloudconnection.request.RequestHandlerContext c,
                            KuraMessage req) {
                        return new KuraMessage(new KuraPayload());
                    }
                });
                KuraPayload metrics = new KuraPayload();
                metrics.addMetric("fps", 10.0);
                pub.publish(new KuraMessage(metrics, Map.of("topic", "metrics")));
                KuraPayload req = new KuraPayload();
                req.addMetric("request.id", "r1");
                req.addMetric("requester.client.id", "cloud");
                await("BIRTH").atMost(ofSeconds(15)).pollInterval(ofMillis(20)).untilAsserted(
                        () -> assertTrue(seen.containsKey("$EDC/acct/gw/MQTT/BIRTH"), "no BIRTH: " + seen.keySet()));
                cloud.publish("$EDC/acct/gw/DEPLOY-V2/GET/packages", codec.encode(req), 1, false);
                await("metrics and DEPLOY-V2 reply").atMost(ofSeconds(15)).pollInterval(ofMillis(20))
                        .untilAsserted(() -> assertTrue(seen.containsKey("acct/gw/VIGIE/metrics")
                                && seen.containsKey("$EDC/acct/cloud/DEPLOY-V2/REPLY/r1"), "seen " + seen.keySet()));
                assertEquals(10.0, seen.get("acct/gw/VIGIE/metrics").getMetric("fps"));
                assertEquals(200, seen.get("$EDC/acct/cloud/DEPLOY-V2/REPLY/r1").getMetric("response.code"));
                String notice = (String) seen.get("$EDC/acct/gw/MQTT/BIRTH").getMetric("store_notice");
                assertTrue(notice != null && notice.contains("damaged"), "BIRTH tells the cloud: " + notice);
                Map<String, Object> status = pub.storeStatus();
                assertEquals(1L, status.get("damagedMovedAside"));
                assertEquals("file", status.get("mode"));
                assertTrue(Files.size(storeDir.resolve((String) status.get("lastMovedAside"))) > 8192,
                        "the damaged file is kept for inspection");
            } finally {
                pub.deactivate();
                cloud.disconnect(1000);
                cloud.close(true);
            }
        }
    }
}
