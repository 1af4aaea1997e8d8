package io.vigie.tools.cloudbench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import org.eclipse.kura.message.KuraPayload;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

import io.vigie.cloud.paho.CloudSettings;
import io.vigie.cloud.paho.KuraPayloadCodec;
import io.vigie.cloud.paho.MessageStore;
import io.vigie.cloud.paho.MqttForwarder;
import io.vigie.testkit.Mosquitto;

/**
 * Store-and-forward benchmark against a real mosquitto (loopback). Two scenarios, numbers printed, never asserted
 * except zero loss:
 * <ul>
 * <li>{@code sustained}: QoS 1 event messages (~450 B encoded) through the durable H2 store, unthrottled for
 * {@code --sustained-s} seconds, then paced at {@code --paced-rate}/s: publish() latency p50/p99/max, accepted and
 * delivered rates.</li>
 * <li>{@code outage}: the gateway publishes at its real rate ({@code --event-rate} events/s + one metrics message every
 * {@code --metrics-period-s}) while the broker is down for {@code --outage-s} seconds: store rows and bytes on disk
 * over time, reconnect delay (back-off) and drain time once the broker is back, zero loss checked by a persistent
 * QoS 1 subscriber.</li>
 * </ul>
 * Args: {@code [sustained|outage|all] [--outage-s N] [--event-rate R] [--metrics-period-s S] [--sustained-s N]
 * [--paced-rate R] [--protocol mqtt-3.1.1|mqtt-5] [--json FILE] [--markdown FILE]}.
 */
public final class CloudBench {

    private final Map<String, String> opts = new LinkedHashMap<>();
    private final Map<String, Object> json = new LinkedHashMap<>();
    private final StringBuilder md = new StringBuilder();
    private final KuraPayloadCodec codec = new KuraPayloadCodec();
    private final Path work;

    private CloudBench(Path work) {
        this.work = work;
    }

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 && !args[0].startsWith("--") ? args[0] : "all";
        Path work = Files.createTempDirectory("cloud-bench");
        CloudBench b = new CloudBench(work);
        for (int i = 0; i < args.length; i++) {
            if (args[i].startsWith("--") && i + 1 < args.length) {
                b.opts.put(args[i].substring(2), args[++i]);
            }
        }
        b.json.put("schema", "vigie-cloud-bench/1");
        b.json.put("started", Instant.now().toString());
        b.json.put("machine", Runtime.getRuntime().availableProcessors() + " cores, " + System.getProperty("os.name")
                + " " + System.getProperty("os.arch") + ", Java " + System.getProperty("java.version"));
        b.json.put("protocol", b.opt("protocol", "mqtt-3.1.1"));
        b.md.append("Run ").append(b.json.get("started")).append(", ").append(b.json.get("machine"))
                .append(", protocol ").append(b.json.get("protocol")).append(", mosquitto on loopback, QoS 1, store ")
                .append("H2 MVStore file (one commit per message, LZF pages, incremental compaction).\n\n");
        if (mode.equals("sustained") || mode.equals("all")) {
            b.sustained();
        }
        if (mode.equals("outage") || mode.equals("all")) {
            b.outage();
        }
        String js = toJson(b.json, "");
        System.out.println("\n=== JSON ===\n" + js);
        System.out.println("\n=== Markdown ===\n" + b.md);
        if (b.opts.containsKey("json")) {
            Files.writeString(Path.of(b.opts.get("json")), js + "\n");
        }
        if (b.opts.containsKey("markdown")) {
            Files.writeString(Path.of(b.opts.get("markdown")), b.md.toString());
        }
        deleteTree(work);
        System.exit(0);
    }

    private String opt(String k, String d) {
        return opts.getOrDefault(k, d);
    }

    private double num(String k, double d) {
        return Double.parseDouble(opt(k, String.valueOf(d)));
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    private Mosquitto broker(String name) throws Exception {
        Path dir = Files.createDirectories(work.resolve(name));
        Mosquitto m = new Mosquitto(dir);
        // The subscriber may reconnect after the gateway: let the broker queue the whole backlog for it.
        Files.writeString(dir.resolve("mosquitto.conf"), "max_queued_messages 0\nmax_inflight_messages 0\n",
                StandardOpenOption.APPEND);
        m.start();
        return m;
    }

    private CloudSettings settings(Mosquitto m, String client, Path store) {
        CloudSettings s = new CloudSettings();
        s.brokerUri = m.uri();
        s.clientId = client;
        s.accountName = "bench";
        s.storePath = store;
        s.gzip = false; // the stated payload size is the size on the wire
        s.storeCapacity = 1_000_000;
        setProtocol(s, opt("protocol", "mqtt-3.1.1"));
        return s;
    }

    /** Sets CloudSettings.protocol when this build of the bundle has it (MQTT 5 support). */
    private static void setProtocol(CloudSettings s, String protocol) {
        try {
            CloudSettings.class.getField("protocol").set(s, protocol);
        } catch (NoSuchFieldException e) {
            if (!protocol.equals("mqtt-3.1.1")) {
                throw new IllegalArgumentException("this build of io.vigie.cloud.paho has no MQTT 5 option");
            }
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A typical intrusion event: ~450 bytes as KuraPayload protobuf without gzip. */
    static KuraPayload event(long seq) {
        KuraPayload p = new KuraPayload();
        p.setTimestamp(new Date());
        p.addMetric("seq", seq);
        p.addMetric("type", "intrusion");
        p.addMetric("state", "START");
        p.addMetric("camera", "cam-front-gate");
        p.addMetric("zone", "zone-1-perimeter");
        p.addMetric("persons", 2);
        p.addMetric("score.max", 0.874d);
        p.addMetric("model", "ssd-mobilenet-v2-coco-int8@1.3.0");
        p.addMetric("frame", seq * 5);
        p.addMetric("latency.ms", 41.5d);
        p.addMetric("boxes", "[{\"x\":0.412,\"y\":0.233,\"w\":0.081,\"h\":0.262,\"score\":0.874},"
                + "{\"x\":0.611,\"y\":0.301,\"w\":0.074,\"h\":0.241,\"score\":0.652}]");
        p.addMetric("snapshot.uri", "file:///var/lib/vigie/snapshots/cam-front-gate/2026-11-25T10-15-42.118Z.jpg");
        return p;
    }

    static KuraPayload metrics(long seq) {
        KuraPayload p = new KuraPayload();
        p.setTimestamp(new Date());
        p.addMetric("seq", seq);
        p.addMetric("fps", 5.0d);
        p.addMetric("inference.ms.p50", 38.2d);
        p.addMetric("inference.ms.p99", 61.0d);
        p.addMetric("frames", seq * 50);
        p.addMetric("dropped", 0L);
        p.addMetric("heap.mb", 71.4d);
        p.addMetric("model", "ssd-mobilenet-v2-coco-int8@1.3.0");
        return p;
    }

    /** Persistent-session QoS 1 subscriber counting distinct "seq" values and duplicates. */
    private static final class Sub implements AutoCloseable {
        final Map<Long, Boolean> seen = new ConcurrentHashMap<>();
        final AtomicLong received = new AtomicLong(), duplicates = new AtomicLong();
        final MqttClient c;

        Sub(Mosquitto m, String id, String filter) throws Exception {
            c = new MqttClient(m.uri(), id, new MemoryPersistence());
            MqttConnectOptions o = new MqttConnectOptions();
            o.setCleanSession(false);
            o.setAutomaticReconnect(true);
            o.setMaxReconnectDelay(1000);
            o.setMaxInflight(1000);
            KuraPayloadCodec codec = new KuraPayloadCodec();
            c.setCallback(new MqttCallback() {
                @Override
                public void connectionLost(Throwable cause) {
                }

                @Override
                public void messageArrived(String topic, MqttMessage message) {
                    Object seq = codec.decode(message.getPayload()).getMetric("seq");
                    received.incrementAndGet();
                    if (seen.put(((Number) seq).longValue(), Boolean.TRUE) != null) {
                        duplicates.incrementAndGet();
                    }
                }

                @Override
                public void deliveryComplete(IMqttDeliveryToken token) {
                }
            });
            c.connect(o);
            c.subscribe(filter, 1);
        }

        @Override
        public void close() throws Exception {
            if (c.isConnected()) {
                c.disconnect(1000);
            }
            c.close(true);
        }
    }

    private static void await(String what, long seconds, BooleanSupplier cond) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("timed out after " + seconds + " s waiting for " + what);
            }
            Thread.sleep(10);
        }
    }

    static long dirBytes(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }

    private static double pct(long[] sortedNs, double q) {
        if (sortedNs.length == 0) {
            return Double.NaN;
        }
        int i = (int) Math.min(sortedNs.length - 1, Math.ceil(q * sortedNs.length) - 1);
        return sortedNs[Math.max(0, i)] / 1e6;
    }

    // ---- scenarios -----------------------------------------------------------------------------------------------

    private void sustained() throws Exception {
        double seconds = num("sustained-s", 30), paced = num("paced-rate", 100);
        int size = codec.encode(event(123456)).length;
        System.out.printf("sustained: %.0f s unthrottled, then %.0f s at %.0f msg/s; event payload %d B%n", seconds,
                seconds / 2, paced, size);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("payloadBytes", size);
        md.append("**Sustained publish** (one publisher thread, QoS 1, ").append(size)
                .append(" B KuraPayload event, gzip off, every message stored durably before publish() returns):\n\n")
                .append("| phase | published | publish() msg/s | delivered msg/s (end to end) | publish() p50 ms | p99 ms"
                        + " | max ms | backlog at end | lost |\n")
                .append("|---|---|---|---|---|---|---|---|---|\n");
        try (Mosquitto m = broker("sustained")) {
            for (String phase : List.of("unthrottled", "paced")) {
                double dur = phase.equals("paced") ? seconds / 2 : seconds;
                double rate = phase.equals("paced") ? paced : 0;
                Path store = Files.createDirectories(work.resolve("store-" + phase));
                CloudSettings s = settings(m, "gw-" + phase, store);
                try (Sub sub = new Sub(m, "sub-" + phase, "bench/gw-" + phase + "/#");
                        MessageStore st = new MessageStore(store, s.storeCapacity, 0, System::currentTimeMillis);
                        MqttForwarder f = new MqttForwarder(s, st, codec)) {
                    f.start();
                    await("connected", 15, f::isConnected);
                    long[] lat = new long[(int) Math.max(1000, (rate > 0 ? rate : 20000) * dur * 1.2)];
                    int n = 0;
                    long t0 = System.nanoTime(), end = t0 + (long) (dur * 1e9);
                    for (long now = t0; now < end && n < lat.length; now = System.nanoTime()) {
                        if (rate > 0) {
                            long due = t0 + (long) (n * 1e9 / rate);
                            if (due > now) {
                                Thread.sleep((due - now) / 1_000_000, (int) ((due - now) % 1_000_000));
                            }
                        }
                        long a = System.nanoTime();
                        f.publish("events", event(n), 1, false, 5);
                        lat[n++] = System.nanoTime() - a;
                    }
                    double pubS = (System.nanoTime() - t0) / 1e9;
                    int backlog = st.size();
                    int total = n;
                    await("all delivered", 600, () -> sub.seen.size() >= total);
                    double e2eS = (System.nanoTime() - t0) / 1e9;
                    long[] sorted = Arrays.copyOf(lat, n);
                    Arrays.sort(sorted);
                    Map<String, Object> r = new LinkedHashMap<>();
                    r.put("targetRate", rate == 0 ? "unthrottled" : rate);
                    r.put("published", n);
                    r.put("publishPerS", n / pubS);
                    r.put("deliveredPerS", n / e2eS);
                    r.put("publishP50Ms", pct(sorted, 0.50));
                    r.put("publishP99Ms", pct(sorted, 0.99));
                    r.put("publishMaxMs", sorted[n - 1] / 1e6);
                    r.put("backlogAtEnd", backlog);
                    r.put("lost", n - sub.seen.size());
                    r.put("duplicates", sub.duplicates.get());
                    out.put(phase, r);
                    System.out.println("  " + phase + ": " + r);
                    md.append(String.format(Locale.ROOT, "| %s | %d | %.0f | %.0f | %.2f | %.2f | %.1f | %d | %d |%n",
                            rate == 0 ? "unthrottled, " + (int) dur + " s" : "paced " + (int) rate + "/s, " + (int) dur + " s",
                            n, n / pubS, n / e2eS, pct(sorted, 0.5), pct(sorted, 0.99), sorted[n - 1] / 1e6, backlog,
                            n - sub.seen.size()));
                }
            }
        }
        json.put("sustained", out);
        md.append("\n");
    }

    private void outage() throws Exception {
        double outageS = num("outage-s", 600), eventRate = num("event-rate", 10), metricsPeriod = num("metrics-period-s", 10);
        double warmS = 10, tailS = 5;
        System.out.printf("outage: events %.1f/s + metrics every %.0f s, broker down %.0f s%n", eventRate, metricsPeriod,
                outageS);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("eventRatePerS", eventRate);
        out.put("metricsPeriodS", metricsPeriod);
        out.put("outageS", outageS);
        List<Map<String, Object>> samples = new ArrayList<>();
        Path store = Files.createDirectories(work.resolve("store-outage"));
        try (Mosquitto m = broker("outage")) {
            CloudSettings s = settings(m, "gw-outage", store);
            try (Sub sub = new Sub(m, "sub-outage", "bench/gw-outage/#");
                    MessageStore st = new MessageStore(store, s.storeCapacity, 0, System::currentTimeMillis);
                    MqttForwarder f = new MqttForwarder(s, st, codec)) {
                f.start();
                await("connected", 15, f::isConnected);
                AtomicLong seq = new AtomicLong();
                AtomicLong publishedBeforeReturn = new AtomicLong(-1);
                long[] maxRows = { 0 }, maxBytes = { 0 };
                volatileStop = false;
                Thread producer = new Thread(() -> {
                    long t0 = System.nanoTime(), events = 0, metricMsgs = 0;
                    try {
                        while (!volatileStop) {
                            long now = System.nanoTime();
                            long nextEvent = t0 + (long) (events * 1e9 / eventRate);
                            long nextMetrics = t0 + (long) (metricMsgs * metricsPeriod * 1e9);
                            long next = Math.min(nextEvent, nextMetrics);
                            if (next > now) {
                                Thread.sleep(Math.max(1, (next - now) / 1_000_000));
                                continue;
                            }
                            if (nextMetrics <= nextEvent) {
                                f.publish("metrics", metrics(seq.getAndIncrement()), 1, false, 7);
                                metricMsgs++;
                            } else {
                                f.publish("events", event(seq.getAndIncrement()), 1, false, 5);
                                events++;
                            }
                        }
                    } catch (Exception e) {
                        e.printStackTrace();
                    }
                }, "producer");
                producer.start();
                Thread.sleep((long) (warmS * 1000));
                m.stop();
                long down = System.nanoTime();
                System.out.println("  broker stopped");
                for (double t = 0; t < outageS; t += 10) {
                    Thread.sleep((long) (Math.min(10, outageS - t) * 1000));
                    long rows = st.size(), bytes = dirBytes(store);
                    maxRows[0] = Math.max(maxRows[0], rows);
                    maxBytes[0] = Math.max(maxBytes[0], bytes);
                    Map<String, Object> sm = new LinkedHashMap<>();
                    sm.put("t", Math.round((System.nanoTime() - down) / 1e9));
                    sm.put("rows", rows);
                    sm.put("bytes", bytes);
                    samples.add(sm);
                    System.out.println("  outage " + sm);
                }
                long rowsAtReturn = st.size(), bytesAtReturn = dirBytes(store);
                publishedBeforeReturn.set(seq.get());
                m.start();
                long up = System.nanoTime();
                System.out.println("  broker back, " + rowsAtReturn + " rows stored");
                await("gateway reconnected", 120, f::isConnected);
                long reconnected = System.nanoTime();
                long target = publishedBeforeReturn.get();
                await("backlog delivered", 900, () -> {
                    for (long i = 0; i < target; i++) {
                        if (!sub.seen.containsKey(i)) {
                            return false;
                        }
                    }
                    return true;
                });
                long drained = System.nanoTime();
                Thread.sleep((long) (tailS * 1000));
                volatileStop = true;
                producer.join();
                long total = seq.get();
                await("everything delivered", 120, () -> sub.seen.size() >= total);
                long bytesAfter = dirBytes(store);
                long lost = 0;
                for (long i = 0; i < total; i++) {
                    if (!sub.seen.containsKey(i)) {
                        lost++;
                    }
                }
                out.put("published", total);
                out.put("rowsAtBrokerReturn", rowsAtReturn);
                out.put("storeBytesAtBrokerReturn", bytesAtReturn);
                out.put("maxRows", maxRows[0]);
                out.put("maxStoreBytes", maxBytes[0]);
                out.put("storeBytesAfterDrain", bytesAfter);
                out.put("reconnectAfterBrokerReturnS", (reconnected - up) / 1e9);
                out.put("drainAfterReconnectS", (drained - reconnected) / 1e9);
                out.put("drainAfterBrokerReturnS", (drained - up) / 1e9);
                out.put("drainRatePerS", rowsAtReturn / Math.max(1e-3, (drained - reconnected) / 1e9));
                out.put("received", sub.received.get());
                out.put("distinct", sub.seen.size());
                out.put("duplicates", sub.duplicates.get());
                out.put("lost", lost);
                out.put("samples", samples);
                System.out.println("  outage result " + out);
                double perMin = eventRate * 60 + 60 / metricsPeriod;
                md.append(String.format(Locale.ROOT,
                        "**Broker outage** (%s%.0f s with the broker stopped; gateway rate %.1f events/s"
                                + " + 1 metrics message every %.0f s = %.0f msg/min, events ~%d B):%n%n",
                        outageS < 600 ? "TIME-COMPRESSED: " : "", outageS, eventRate, metricsPeriod, perMin,
                        codec.encode(event(1)).length))
                        .append("| published | stored at broker return | store on disk at return | max on disk"
                                + " | on disk after drain | reconnect after broker return (back-off) | drain after reconnect"
                                + " | drain rate | received / distinct / duplicates | lost |\n")
                        .append("|---|---|---|---|---|---|---|---|---|---|\n")
                        .append(String.format(Locale.ROOT, "| %d | %d rows | %.2f MB | %.2f MB | %.2f MB | %.1f s | %.1f s"
                                + " | %.0f msg/s | %d / %d / %d | %d |%n%n",
                                total, rowsAtReturn, bytesAtReturn / 1e6, maxBytes[0] / 1e6, bytesAfter / 1e6,
                                (reconnected - up) / 1e9, (drained - reconnected) / 1e9,
                                rowsAtReturn / Math.max(1e-3, (drained - reconnected) / 1e9), sub.received.get(),
                                (long) sub.seen.size(), sub.duplicates.get(), lost));
                md.append("Store growth during the outage (rows, MB on disk): ");
                for (int i = 0; i < samples.size() - 1; i += Math.max(1, samples.size() / 6)) {
                    Map<String, Object> sm = samples.get(i);
                    md.append(String.format(Locale.ROOT, "t=%ss %s rows %.2f MB; ", sm.get("t"), sm.get("rows"),
                            ((Long) sm.get("bytes")) / 1e6));
                }
                Map<String, Object> last = samples.get(samples.size() - 1);
                md.append(String.format(Locale.ROOT, "t=%ss %s rows %.2f MB.%n%n", last.get("t"), last.get("rows"),
                        ((Long) last.get("bytes")) / 1e6));
                if (lost > 0) {
                    System.out.println("LOSS: " + lost + " message(s) never arrived");
                }
            }
        }
        json.put("outage", out);
    }

    private volatile boolean volatileStop;

    // ---- tiny JSON writer (numbers, strings, lists, maps) -------------------------------------------------------

    static String toJson(Object o, String indent) {
        if (o instanceof Map) {
            StringBuilder b = new StringBuilder("{\n");
            String in = indent + "  ";
            int i = 0;
            for (Map.Entry<?, ?> e : ((Map<?, ?>) o).entrySet()) {
                b.append(in).append('"').append(e.getKey()).append("\": ").append(toJson(e.getValue(), in));
                b.append(++i < ((Map<?, ?>) o).size() ? ",\n" : "\n");
            }
            return b.append(indent).append('}').toString();
        }
        if (o instanceof List) {
            StringBuilder b = new StringBuilder("[");
            int i = 0;
            for (Object e : (List<?>) o) {
                b.append(i++ > 0 ? ", " : "").append(toJson(e, indent).replace("\n", " ").replaceAll(" +", " "));
            }
            return b.append(']').toString();
        }
        if (o instanceof Double) {
            double d = (Double) o;
            return Double.isFinite(d) ? String.format(Locale.ROOT, "%.3f", d) : "null";
        }
        if (o instanceof Number || o instanceof Boolean) {
            return String.valueOf(o);
        }
        return '"' + String.valueOf(o).replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    private static void deleteTree(Path p) {
        try (Stream<Path> s = Files.walk(p)) {
            s.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(x -> x.toFile().delete());
        } catch (IOException e) {
            // temp folder: best effort
        }
    }
}
