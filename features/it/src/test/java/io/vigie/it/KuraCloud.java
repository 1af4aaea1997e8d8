package io.vigie.it;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.zip.GZIPInputStream;

import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * The cloud side of Kura's request/response protocol, as Kapua plays it: a Paho client that sends
 * {@code $EDC/account/client/APP/METHOD/resource} requests as KuraPayload protobuf and collects the
 * replies ({@code $EDC/account/me/APP/REPLY/id}) and notifications ({@code .../NOTIFY/client/type}).
 * The KuraPayload encoding (kurapayload.proto, proto2) is written out here by hand: the test speaks
 * the wire format itself instead of trusting the gateway's codec.
 */
final class KuraCloud implements AutoCloseable {
    /** A received message: topic and decoded payload. */
    record Msg(String topic, Map<String, Object> metrics, byte[] body) {
        Object metric(String name) {
            return metrics.get(name);
        }

        String text() {
            return body == null ? "" : new String(body, StandardCharsets.UTF_8);
        }
    }

    final String account;
    final String me;
    final String device;
    private final MqttClient client;
    private final BlockingQueue<Msg> inbox = new LinkedBlockingQueue<>();
    final List<Msg> all = new java.util.concurrent.CopyOnWriteArrayList<>();
    private long requests;

    KuraCloud(String brokerUri, String account, String me, String device) throws Exception {
        this.account = account;
        this.me = me;
        this.device = device;
        client = new MqttClient(brokerUri, me, new MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(true);
        client.connect(o);
        client.subscribe(new String[] { "$EDC/" + account + "/" + me + "/#", "$EDC/" + account + "/" + device + "/MQTT/#" },
                new int[] { 1, 1 }, null);
        client.setCallback(new org.eclipse.paho.client.mqttv3.MqttCallback() {
            @Override
            public void connectionLost(Throwable cause) {
            }

            @Override
            public void messageArrived(String topic, MqttMessage m) throws Exception {
                Msg msg = decode(topic, m.getPayload());
                all.add(msg);
                inbox.add(msg);
            }

            @Override
            public void deliveryComplete(org.eclipse.paho.client.mqttv3.IMqttDeliveryToken t) {
            }
        });
    }

    /** Sends a request and waits for its reply. */
    Msg request(String app, String method, String resource, Map<String, Object> metrics) throws Exception {
        String id = "req-" + (++requests) + "-" + System.nanoTime();
        Map<String, Object> m = new LinkedHashMap<>(metrics);
        m.put("request.id", id);
        m.put("requester.client.id", me);
        client.publish("$EDC/" + account + "/" + device + "/" + app + "/" + method + "/" + resource, encode(m, null), 1, false);
        String replyTopic = "$EDC/" + account + "/" + me + "/" + app + "/REPLY/" + id;
        return await(x -> x.topic().equals(replyTopic), 30_000);
    }

    /** The next message (of those not consumed yet) matching, within the time. */
    Msg await(Predicate<Msg> ok, long timeoutMs) throws InterruptedException {
        long end = System.currentTimeMillis() + timeoutMs;
        List<Msg> skipped = new ArrayList<>();
        try {
            while (System.currentTimeMillis() < end) {
                Msg m = inbox.poll(100, TimeUnit.MILLISECONDS);
                if (m == null) continue;
                if (ok.test(m)) return m;
                skipped.add(m);
            }
        } finally {
            // keep what others may still wait for, in order
            List<Msg> rest = new ArrayList<>();
            inbox.drainTo(rest);
            inbox.addAll(skipped);
            inbox.addAll(rest);
        }
        StringBuilder sb = new StringBuilder();
        for (Msg m : skipped) sb.append("\n  ").append(m.topic()).append(' ').append(m.metrics());
        throw new AssertionError("no matching message within " + timeoutMs + " ms; other messages:" + sb);
    }

    /** A notification of this type ({@code download}, {@code install}, {@code uninstall}) whose metric has that value. */
    Msg notification(String app, String type, String metric, Object value, long timeoutMs) throws InterruptedException {
        String topic = "$EDC/" + account + "/" + me + "/" + app + "/NOTIFY/" + device + "/" + type;
        return await(m -> m.topic().equals(topic) && value.equals(m.metric(metric)), timeoutMs);
    }

    void clear() {
        inbox.clear();
    }

    @Override
    public void close() throws Exception {
        if (client.isConnected()) client.disconnect(2_000);
        client.close();
    }

    // ---- KuraPayload (proto2) by hand

    static byte[] encode(Map<String, Object> metrics, byte[] body) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        tag(out, 1, 0);
        varint(out, System.currentTimeMillis());
        for (Map.Entry<String, Object> e : metrics.entrySet()) {
            ByteArrayOutputStream m = new ByteArrayOutputStream();
            tag(m, 1, 2);
            bytes(m, e.getKey().getBytes(StandardCharsets.UTF_8));
            Object v = e.getValue();
            if (v instanceof Double d) {
                type(m, 0);
                tag(m, 3, 1);
                m.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putDouble(d).array());
            } else if (v instanceof Float f) {
                type(m, 1);
                tag(m, 4, 5);
                m.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(f).array());
            } else if (v instanceof Long l) {
                type(m, 2);
                tag(m, 5, 0);
                varint(m, l);
            } else if (v instanceof Integer i) {
                type(m, 3);
                tag(m, 6, 0);
                varint(m, i.longValue()); // negative int32: sign-extended to 10 bytes, as protobuf does
            } else if (v instanceof Boolean b) {
                type(m, 4);
                tag(m, 7, 0);
                varint(m, b ? 1 : 0);
            } else if (v instanceof String s) {
                type(m, 5);
                tag(m, 8, 2);
                bytes(m, s.getBytes(StandardCharsets.UTF_8));
            } else if (v instanceof byte[] b) {
                type(m, 6);
                tag(m, 9, 2);
                bytes(m, b);
            } else {
                throw new IllegalArgumentException("metric type " + v.getClass());
            }
            tag(out, 5000, 2);
            bytes(out, m.toByteArray());
        }
        if (body != null) {
            tag(out, 5001, 2);
            bytes(out, body);
        }
        return out.toByteArray();
    }

    private static void type(ByteArrayOutputStream m, int t) {
        tag(m, 2, 0);
        varint(m, t);
    }

    private static void tag(ByteArrayOutputStream out, int field, int wire) {
        varint(out, ((long) field << 3) | wire);
    }

    private static void varint(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }

    private static void bytes(ByteArrayOutputStream out, byte[] b) {
        varint(out, b.length);
        out.write(b, 0, b.length);
    }

    static Msg decode(String topic, byte[] raw) throws IOException {
        byte[] b = raw;
        if (b.length > 2 && (b[0] & 0xff) == 0x1f && (b[1] & 0xff) == 0x8b) {
            try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(b))) {
                b = in.readAllBytes();
            }
        }
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        Map<String, Object> metrics = new LinkedHashMap<>();
        byte[] body = null;
        while (buf.hasRemaining()) {
            long key = varint(buf);
            int field = (int) (key >>> 3), wire = (int) (key & 7);
            if (field == 5000 && wire == 2) {
                ByteBuffer m = slice(buf);
                String name = null;
                Object value = null;
                while (m.hasRemaining()) {
                    long k = varint(m);
                    int f = (int) (k >>> 3), w = (int) (k & 7);
                    switch (f) {
                        case 1 -> name = new String(bytes(m), StandardCharsets.UTF_8);
                        case 3 -> value = m.getDouble();
                        case 4 -> value = m.getFloat();
                        case 5 -> value = varint(m);
                        case 6 -> value = (int) varint(m);
                        case 7 -> value = varint(m) != 0;
                        case 8 -> value = new String(bytes(m), StandardCharsets.UTF_8);
                        case 9 -> value = bytes(m);
                        default -> skip(m, w);
                    }
                }
                metrics.put(name, value);
            } else if (field == 5001 && wire == 2) {
                body = bytes(buf);
            } else {
                skip(buf, wire);
            }
        }
        return new Msg(topic, metrics, body);
    }

    private static long varint(ByteBuffer b) {
        long v = 0;
        for (int shift = 0;; shift += 7) {
            int x = b.get() & 0xff;
            v |= (long) (x & 0x7f) << shift;
            if ((x & 0x80) == 0) return v;
        }
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[(int) varint(b)];
        b.get(out);
        return out;
    }

    private static ByteBuffer slice(ByteBuffer b) {
        int n = (int) varint(b);
        ByteBuffer s = b.slice().order(ByteOrder.LITTLE_ENDIAN);
        s.limit(n);
        b.position(b.position() + n);
        return s;
    }

    private static void skip(ByteBuffer b, int wire) {
        switch (wire) {
            case 0 -> varint(b);
            case 1 -> b.position(b.position() + 8);
            case 2 -> b.position(b.position() + (int) varint(b));
            case 5 -> b.position(b.position() + 4);
            default -> throw new IllegalArgumentException("wire type " + wire);
        }
    }
}
