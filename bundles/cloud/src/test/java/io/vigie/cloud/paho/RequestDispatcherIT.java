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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.eclipse.kura.KuraErrorCode;
import org.eclipse.kura.KuraException;
import org.eclipse.kura.cloudconnection.message.KuraMessage;
import org.eclipse.kura.cloudconnection.request.RequestHandler;
import org.eclipse.kura.cloudconnection.request.RequestHandlerContext;
import org.eclipse.kura.cloudconnection.request.RequestHandlerContextConstants;
import org.eclipse.kura.cloudconnection.request.RequestHandlerMessageConstants;
import org.eclipse.kura.message.KuraPayload;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.vigie.testkit.Mosquitto;

/**
 * Kura request/response against a real Mosquitto, with a plain Paho client playing the cloud (client id "cloud"):
 * requests on $EDC/acct/gw/APP/METHOD/..., replies on $EDC/acct/cloud/APP/REPLY/{request.id}.
 */
class RequestDispatcherIT {

    @TempDir
    static Path brokerDir;
    static Mosquitto broker;

    @TempDir
    Path storeDir;

    private final KuraPayloadCodec codec = new KuraPayloadCodec();
    /** topic → payload of everything the cloud receives, in arrival order. */
    private final List<Map.Entry<String, KuraPayload>> cloudInbox = Collections.synchronizedList(new ArrayList<>());
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private MqttClient cloud;

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

    /** A handler that records what it was called with and answers per resource. */
    static final class Recorder implements RequestHandler {
        final List<String> calls = Collections.synchronizedList(new ArrayList<>());
        volatile String thread;
        volatile RequestHandlerContext context;

        private KuraMessage answer(String method, RequestHandlerContext ctx, KuraMessage req) throws KuraException {
            @SuppressWarnings("unchecked")
            List<String> args = (List<String>) req.getProperties().get(RequestHandlerMessageConstants.ARGS_KEY.value());
            calls.add(method + " " + args);
            thread = Thread.currentThread().getName();
            context = ctx;
            String first = args.isEmpty() ? "" : args.get(0);
            switch (first) {
                case "bad": throw new KuraException(KuraErrorCode.BAD_REQUEST, "zone is required");
                case "invalid": throw new KuraException(KuraErrorCode.INVALID_PARAMETER, "threshold", "2.5");
                case "missing": throw new KuraException(KuraErrorCode.NOT_FOUND, "no such zone");
                case "boom": throw new IllegalStateException("detector exploded");
                case "notify": {
                    KuraPayload n = new KuraPayload();
                    n.addMetric("progress", 50);
                    ctx.getNotificationPublisher().publish(new KuraMessage(n, Map.of("appId", "APP", "messageType",
                            "download", "requestorClientId", req.getProperties().get("requester.client.id"))));
                    break;
                }
                case "null": return null;
                default: break;
            }
            KuraPayload p = new KuraPayload();
            p.addMetric("method", method);
            p.addMetric("echo", String.valueOf(req.getPayload().getMetric("value")));
            p.setBody(req.getPayload().getBody());
            return new KuraMessage(p);
        }

        @Override
        public KuraMessage doGet(RequestHandlerContext c, KuraMessage r) throws KuraException {
            return answer("GET", c, r);
        }

        @Override
        public KuraMessage doPut(RequestHandlerContext c, KuraMessage r) throws KuraException {
            return answer("PUT", c, r);
        }

        @Override
        public KuraMessage doExec(RequestHandlerContext c, KuraMessage r) throws KuraException {
            return answer("EXEC", c, r);
        }
        // doPost and doDel: the API's defaults (OPERATION_NOT_SUPPORTED)
    }

    private CloudSettings settings() {
        CloudSettings s = new CloudSettings();
        s.brokerUri = broker.uri();
        s.clientId = "gw";
        s.accountName = "acct";
        s.storePath = storeDir;
        s.reconnectMinMs = 200;
        s.reconnectMaxMs = 1000;
        return s;
    }

    private static final class Gateway {
        MqttForwarder forwarder;
        RequestDispatcher requests;
        NotificationPublisher notifications;
        MessageStore store;
    }

    /** Wires forwarder + dispatcher as the OSGi component does; {@code beforeStart} runs before any connection. */
    private Gateway gateway(CloudSettings s, RequestHandler early) throws Exception {
        Gateway g = new Gateway();
        g.store = new MessageStore(s.storePath, s.storeCapacity, 0, System::currentTimeMillis);
        toClose.add(g.store);
        g.forwarder = new MqttForwarder(s, g.store, codec);
        g.notifications = new NotificationPublisher(s, g.forwarder);
        g.requests = new RequestDispatcher(s, g.forwarder, codec, g.notifications, "notif.pid");
        g.forwarder.setInboundHandler(g.requests::onMessage);
        if (early != null) {
            g.requests.registerRequestHandler("APP", early);
        }
        toClose.add(g.forwarder);
        toClose.add(g.requests);
        startCloud();
        g.forwarder.start();
        // The gateway subscribes before it sends BIRTH: after BIRTH, requests are heard.
        await("BIRTH").atMost(ofSeconds(10)).until(() -> count("$EDC/acct/gw/MQTT/BIRTH") > 0);
        return g;
    }

    private void startCloud() throws Exception {
        cloud = new MqttClient(broker.uri(), "cloud", new MemoryPersistence());
        cloud.connect();
        cloud.subscribe(new String[] { "$EDC/acct/cloud/#", "$EDC/acct/gw/MQTT/BIRTH" }, new int[] { 1, 1 },
                new org.eclipse.paho.client.mqttv3.IMqttMessageListener[] {
                        (t, m) -> cloudInbox.add(Map.entry(t, codec.decode(m.getPayload()))),
                        (t, m) -> cloudInbox.add(Map.entry(t, codec.decode(m.getPayload()))) });
        MqttClient c = cloud;
        toClose.add(() -> {
            if (c.isConnected()) {
                c.disconnect(1000);
            }
            c.close(true);
        });
    }

    private long count(String topic) {
        synchronized (cloudInbox) {
            return cloudInbox.stream().filter(e -> e.getKey().equals(topic)).count();
        }
    }

    private static KuraPayload request(String id, Object value) {
        KuraPayload p = new KuraPayload();
        p.addMetric("request.id", id);
        p.addMetric("requester.client.id", "cloud");
        if (value != null) {
            p.addMetric("value", value);
        }
        return p;
    }

    private void send(String tail, KuraPayload p) throws Exception {
        send(tail, codec.encode(p));
    }

    private void send(String tail, byte[] raw) throws Exception {
        cloud.publish("$EDC/acct/gw/" + tail, raw, 1, false);
    }

    private KuraPayload reply(String app, String id) throws InterruptedException {
        String topic = "$EDC/acct/cloud/" + app + "/REPLY/" + id;
        await("reply " + topic).atMost(ofSeconds(10)).until(() -> count(topic) > 0);
        synchronized (cloudInbox) {
            assertEquals(1, count(topic), "exactly one reply on " + topic);
            return cloudInbox.stream().filter(e -> e.getKey().equals(topic)).findFirst().orElseThrow().getValue();
        }
    }

    private long replies() {
        synchronized (cloudInbox) {
            return cloudInbox.stream().filter(e -> e.getKey().contains("/REPLY/")).count();
        }
    }

    @Test
    void getPutExecRoundTripsWithHandlersRegisteredBeforeAndAfterConnect() throws Exception {
        Recorder early = new Recorder();
        Gateway g = gateway(settings(), early);

        send("APP/GET/zones/front", request("r1", 7));
        KuraPayload r1 = reply("APP", "r1");
        assertEquals(200, r1.getMetric("response.code"));
        assertEquals("GET", r1.getMetric("method"));
        assertEquals("7", r1.getMetric("echo"));
        assertNull(r1.getMetric("response.exception.message"));

        KuraPayload put = request("r2", "on");
        put.setBody(new byte[] { 1, 2, 3 });
        send("APP/PUT/config", put);
        KuraPayload r2 = reply("APP", "r2");
        assertEquals(200, r2.getMetric("response.code"));
        assertArrayEquals(new byte[] { 1, 2, 3 }, r2.getBody());

        send("APP/EXEC/restart", request("r3", null));
        assertEquals("EXEC", reply("APP", "r3").getMetric("method"));
        send("APP/EXEC", request("r3b", null)); // no resource: empty args
        assertEquals(200, reply("APP", "r3b").getMetric("response.code"));

        assertEquals(List.of("GET [zones, front]", "PUT [config]", "EXEC [restart]", "EXEC []"), early.calls);
        assertTrue(early.thread.startsWith("vigie-cloud-request-"), "handler ran on " + early.thread);
        assertEquals("gw", early.context.getContextProperties().get(RequestHandlerContextConstants.DEVICE_ID.name()));
        assertEquals("acct", early.context.getContextProperties().get(RequestHandlerContextConstants.TENANT_ID.name()));
        assertSame(g.notifications, early.context.getNotificationPublisher());

        // Registered while connected: served at once (one wildcard subscription, no per-app subscribe).
        Recorder late = new Recorder();
        g.requests.registerRequestHandler("LATE-V1", late);
        send("LATE-V1/GET/x", request("r4", 1));
        assertEquals(200, reply("LATE-V1", "r4").getMetric("response.code"));
        assertEquals(List.of("GET [x]"), late.calls);

        // Unregistered (as a handler does when its registry reference unbinds): 404, handler not called.
        g.requests.unregister("LATE-V1");
        g.requests.unregister("NEVER-REGISTERED"); // harmless
        send("LATE-V1/GET/x", request("r5", 1));
        assertEquals(404, reply("LATE-V1", "r5").getMetric("response.code"));
        assertEquals(1, late.calls.size());

        KuraException bad = assertThrows(KuraException.class, () -> g.requests.registerRequestHandler("A/B", late));
        assertEquals(KuraErrorCode.INVALID_PARAMETER, bad.getCode());
        assertThrows(KuraException.class, () -> g.requests.registerRequestHandler("X", null));
        assertEquals(List.of("APP"), new ArrayList<>(g.requests.handlerIds()));
        assertEquals(5, g.requests.counter("ok"));
    }

    @Test
    void everyBadInputClassIsAnsweredOrCountedAndNoHandlerIsCalled() throws Exception {
        CloudSettings s = settings();
        s.maxRequestBytes = 4096;
        Recorder h = new Recorder();
        Gateway g = gateway(s, h);

        // Error replies (a reply address exists).
        send("NOAPP/GET/x", request("e1", 1));
        send("APP/FETCH/x", request("e2", 1));
        KuraPayload big = request("e3", 1);
        byte[] noise = new byte[10_000];
        new java.util.Random(3).nextBytes(noise); // incompressible
        big.setBody(noise);
        send("APP/PUT/x", codec.encode(big, false));
        KuraPayload bomb = request("e4", 1);
        bomb.setBody(new byte[1_000_000]); // 1 MB of zeros: ~1 kB gzipped, inflates beyond the 4 kB limit
        byte[] bombBytes = codec.encode(bomb, true);
        assertTrue(bombBytes.length < 4096, "gzipped size " + bombBytes.length);
        send("APP/PUT/x", bombBytes);
        send("APP/GET/a//b", request("e5", 1));

        assertEquals(404, reply("NOAPP", "e1").getMetric("response.code"));
        KuraPayload e2 = reply("APP", "e2");
        assertEquals(404, e2.getMetric("response.code"));
        assertTrue(((String) e2.getMetric("response.exception.message")).contains("FETCH"));
        KuraPayload e3 = reply("APP", "e3");
        assertEquals(400, e3.getMetric("response.code"));
        assertTrue(((String) e3.getMetric("response.exception.message")).contains("max.request.bytes"));
        assertEquals(400, reply("APP", "e4").getMetric("response.code"));
        assertEquals(400, reply("APP", "e5").getMetric("response.code"));

        // No reply possible: counted and logged only.
        send("APP/GET/x", new byte[] { 0x0a, (byte) 0xff, 0x01, 0x02 }); // truncated protobuf
        KuraPayload noId = new KuraPayload();
        noId.addMetric("requester.client.id", "cloud");
        send("APP/GET/x", noId);
        KuraPayload noRequester = new KuraPayload();
        noRequester.addMetric("request.id", "n2");
        send("APP/GET/x", noRequester);
        KuraPayload longId = new KuraPayload();
        longId.addMetric("request.id", 42L);
        longId.addMetric("requester.client.id", "cloud");
        send("APP/GET/x", longId);
        KuraPayload slash = request("n4", 1);
        slash.addMetric("requester.client.id", "cl/oud");
        send("APP/GET/x", slash);
        await("bad requests counted").atMost(ofSeconds(10)).until(() -> g.requests.counter("undecodable") == 1
                && g.requests.counter("noReplyAddress") == 4);

        // Handler errors map to codes; the handler was called for these only.
        send("APP/GET/bad", request("h1", 1));
        send("APP/GET/invalid", request("h2", 1));
        send("APP/GET/missing", request("h3", 1));
        send("APP/GET/boom", request("h4", 1));
        send("APP/POST/x", request("h5", 1)); // not implemented by the handler: OPERATION_NOT_SUPPORTED
        send("APP/GET/null", request("h6", 1)); // handler returned null: empty success
        KuraPayload h1 = reply("APP", "h1");
        assertEquals(400, h1.getMetric("response.code"));
        assertEquals("BAD_REQUEST: zone is required", h1.getMetric("response.exception.message"));
        assertEquals(400, reply("APP", "h2").getMetric("response.code"));
        assertEquals(404, reply("APP", "h3").getMetric("response.code"));
        KuraPayload h4 = reply("APP", "h4");
        assertEquals(500, h4.getMetric("response.code"));
        assertTrue(((String) h4.getMetric("response.exception.message")).contains("detector exploded"));
        String stack = (String) h4.getMetric("response.exception.stack");
        assertTrue(stack.startsWith("java.lang.IllegalStateException: detector exploded\n\tat "), stack);
        assertTrue(stack.length() <= 2000);
        assertEquals(404, reply("APP", "h5").getMetric("response.code"));
        KuraPayload h6 = reply("APP", "h6");
        assertEquals(200, h6.getMetric("response.code"));
        assertEquals(1, h6.metrics().size());

        assertEquals(java.util.Set.of("GET [bad]", "GET [invalid]", "GET [missing]", "GET [boom]", "GET [null]"),
                new java.util.HashSet<>(h.calls), "only the well-formed requests reached the handler");
        assertEquals(5, h.calls.size());
        assertEquals(11, replies(), "one reply per answerable request, none for the five without an address");
        Map<String, Long> c = g.requests.counters();
        assertEquals(1, c.get("unknownApp"));
        assertEquals(1, c.get("unknownMethod"));
        assertEquals(2, c.get("oversized"));
        assertEquals(1, c.get("badRequest"));
    }

    @Test
    void fullQueueAnswersBusyAndLongHandlersDoNotBlockTheConnection() throws Exception {
        CloudSettings s = settings();
        s.requestThreads = 1;
        s.requestQueueSize = 1;
        CountDownLatch release = new CountDownLatch(1);
        List<String> served = Collections.synchronizedList(new ArrayList<>());
        RequestHandler slow = new RequestHandler() {
            @Override
            public KuraMessage doExec(RequestHandlerContext ctx, KuraMessage req) throws KuraException {
                try {
                    release.await(20, TimeUnit.SECONDS); // e.g. a download
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                served.add(String.valueOf(req.getProperties().get("request.id")));
                return new KuraMessage(new KuraPayload());
            }
        };
        Gateway g = gateway(s, slow);
        send("APP/EXEC/download", request("b1", null)); // runs (and blocks)
        await("b1 running").atMost(ofSeconds(10)).until(() -> g.requests.counter("dispatched") == 1);
        send("APP/EXEC/download", request("b2", null)); // queued
        send("APP/EXEC/download", request("b3", null)); // refused: busy
        KuraPayload b3 = reply("APP", "b3");
        assertEquals(500, b3.getMetric("response.code"));
        assertTrue(((String) b3.getMetric("response.exception.message")).contains("busy"));
        // The connection is alive while the handler blocks: data still flows.
        g.forwarder.publish("events", request("d", 1), 1, false, 5);
        await("store drained while the handler blocks").atMost(ofSeconds(10)).until(() -> g.store.size() == 0);
        release.countDown();
        assertEquals(200, reply("APP", "b1").getMetric("response.code"));
        assertEquals(200, reply("APP", "b2").getMetric("response.code"));
        assertEquals(List.of("b1", "b2"), served);
        assertEquals(1, g.requests.counter("busy"));
    }

    @Test
    void notificationsGoToTheRequesterBeforeTheReplyAndBadPropertiesAreRefused() throws Exception {
        Recorder h = new Recorder();
        Gateway g = gateway(settings(), h);
        send("APP/EXEC/notify", request("n1", null));
        KuraPayload r = reply("APP", "n1");
        assertEquals(200, r.getMetric("response.code"));
        String notifyTopic = "$EDC/acct/cloud/APP/NOTIFY/gw/download";
        await("notification").atMost(ofSeconds(10)).until(() -> count(notifyTopic) == 1);
        synchronized (cloudInbox) {
            List<String> order = new ArrayList<>();
            cloudInbox.forEach(e -> order.add(e.getKey()));
            assertTrue(order.indexOf(notifyTopic) < order.indexOf("$EDC/acct/cloud/APP/REPLY/n1"),
                    "notification first (same priority, FIFO): " + order);
            assertEquals(50, cloudInbox.get(order.indexOf(notifyTopic)).getValue().getMetric("progress"));
        }

        int stored = g.store.size();
        KuraPayload p = new KuraPayload();
        for (Map<String, Object> props : List.<Map<String, Object>>of(Map.of("messageType", "x", "requestorClientId", "c"),
                Map.of("appId", "A", "requestorClientId", "c"), Map.of("appId", "A", "messageType", "x"),
                Map.of("appId", "A", "messageType", "x", "requestorClientId", "c/d"),
                Map.of("appId", "A", "messageType", 5, "requestorClientId", "c"))) {
            KuraException e = assertThrows(KuraException.class, () -> g.notifications.publish(new KuraMessage(p, props)));
            assertEquals(KuraErrorCode.INVALID_MESSAGE_EXCEPTION, e.getCode());
            assertTrue(e.getMessage().contains("notification property"), e.getMessage());
        }
        assertEquals(stored, g.store.size(), "nothing stored");
    }
}
