package io.vigie.tools.fleet;

import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.eclipse.kura.message.KuraPayload;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallbackExtended;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MqttDefaultFilePersistence;

import io.vigie.api.ota.OtaTopics;
import io.vigie.cloud.paho.KuraPayloadCodec;
import io.vigie.tools.fleet.Rollout.Outcome;
import io.vigie.tools.fleet.Rollout.Verdict;

/**
 * The gateways over MQTT, as a Kura cloud platform speaks to them: discovery from {@code $EDC/ACCOUNT/+/MQTT/BIRTH}
 * (and DC / LWT), DEPLOY-V2 requests ({@code $EDC/ACCOUNT/GW/DEPLOY-V2/METHOD/resource}, KuraPayload with request.id and
 * requester.client.id) and their REPLY / NOTIFY, and the gateways' OTA events on their telemetry topic
 * ({@code ACCOUNT/GW/VIGIE/model}, type OTA_HEALTHY / OTA_ROLLBACK ...). Persistent session (fixed client id, clean
 * session off, QoS 1): a broker restart loses nothing the gateways publish. Trust: a gateway counts once it answered a
 * DEPLOY-V2 request; notifications and OTA events count only for a job this tool sent to that gateway (a forged BIRTH
 * or NOTIFY changes nothing).
 */
public final class MqttGateways implements Rollout.Port, AutoCloseable {
    static final String APP = "DEPLOY-V2";
    static final String STATUS_APP = "VIGIE-V1";
    static final int MAX_PAYLOAD = 1 << 20;
    private static final Pattern PACKAGE = Pattern.compile("<package><name>([^<]{1,200})</name><version>([^<]{1,200})</version>");

    private final String account;
    private final String me;
    private final MqttClient client;
    private final KuraPayloadCodec codec = new KuraPayloadCodec();
    private final PrintStream out;
    private final Duration requestTimeout;
    /** Gateways that answered a request, and whether each is online now (BIRTH after the last DC/LWT). */
    private final Map<String, Boolean> online = new ConcurrentHashMap<>();
    private final Set<String> checking = ConcurrentHashMap.newKeySet();
    static final int MAX_CHECKS = 64;
    private final Map<String, CompletableFuture<KuraPayload>> replies = new ConcurrentHashMap<>();
    private final Map<Long, Job> jobs = new ConcurrentHashMap<>();
    private final ExecutorService verifier = Executors.newFixedThreadPool(4, r -> {
        Thread t = new Thread(r, "vigie-fleet-verify");
        t.setDaemon(true);
        return t;
    });
    private final AtomicLong requests = new AtomicLong();
    public final AtomicLong ignored = new AtomicLong();
    public final AtomicLong received = new AtomicLong();
    private volatile java.util.function.BiConsumer<String, Map<String, Object>> otaListener = (t, m) -> { };

    /** A job this tool sent: the gateway it went to and what it waits for. */
    private static final class Job {
        final String gateway;
        final String sha256;
        final boolean uninstall;
        final CompletableFuture<Verdict> done = new CompletableFuture<>();
        volatile Long installedAt;
        volatile Double swapMs;
        volatile String model;

        Job(String gateway, String sha256, boolean uninstall) {
            this.gateway = gateway;
            this.sha256 = sha256;
            this.uninstall = uninstall;
        }
    }

    public MqttGateways(String brokerUri, String account, String clientId, Path stateDir, Duration requestTimeout,
            PrintStream out) throws MqttException {
        this.account = account;
        this.me = clientId;
        this.out = out;
        this.requestTimeout = requestTimeout;
        client = new MqttClient(brokerUri, clientId, new MqttDefaultFilePersistence(stateDir.resolve("mqtt").toString()));
        client.setCallback(new Callback());
    }

    /** Every OTA / MODEL event of a gateway this tool knows (for the audit): topic + metrics. */
    public void onOtaEvent(java.util.function.BiConsumer<String, Map<String, Object>> l) {
        otaListener = l;
    }

    public void connect(Duration atMost) throws MqttException, InterruptedException {
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(false);
        o.setAutomaticReconnect(true);
        o.setKeepAliveInterval(15);
        o.setMaxInflight(1000);
        o.setMaxReconnectDelay(2000);
        long end = System.nanoTime() + atMost.toNanos();
        for (;;) {
            try {
                client.connect(o);
                break;
            } catch (MqttException e) {
                if (System.nanoTime() > end) throw e;
                Thread.sleep(500);
            }
        }
        subscribe();
    }

    private void subscribe() throws MqttException {
        String[] topics = { "$EDC/" + account + "/+/MQTT/BIRTH", "$EDC/" + account + "/+/MQTT/DC",
            "$EDC/" + account + "/+/MQTT/LWT",
            "$EDC/" + account + "/" + me + "/" + APP + "/#", "$EDC/" + account + "/" + me + "/" + STATUS_APP + "/#",
            account + "/+/VIGIE/model" };
        client.subscribe(topics, new int[] { 1, 1, 1, 1, 1, 1 });
    }

    /** Gateways seen (BIRTH) whose identity a DEPLOY-V2 answer confirmed. */
    public Set<String> known() {
        return Set.copyOf(online.keySet());
    }

    @Override
    public Set<String> online() {
        Set<String> s = new java.util.TreeSet<>();
        online.forEach((k, v) -> {
            if (v) s.add(k);
        });
        return s;
    }

    /** Asks every gateway a BIRTH named, directly (a tool started after the BIRTHs: the ids come from --gateways). */
    public void probe(Iterable<String> gateways) {
        for (String g : gateways) birth(g);
    }

    @Override
    public boolean awaitOnline(String gateway, Duration atMost) throws InterruptedException {
        long end = System.nanoTime() + atMost.toNanos();
        while (System.nanoTime() < end) {
            if (Boolean.TRUE.equals(online.get(gateway))) return true;
            Thread.sleep(200);
        }
        return Boolean.TRUE.equals(online.get(gateway));
    }

    @Override
    public Map<String, String> packages(String gateway) throws InterruptedException {
        KuraPayload r = request(gateway, APP, "GET", "packages", Map.of());
        if (r == null || !Integer.valueOf(200).equals(r.getMetric("response.code"))) return null;
        Map<String, String> m = new TreeMap<>();
        String xml = r.getBody() == null ? "" : new String(r.getBody(), StandardCharsets.UTF_8);
        Matcher x = PACKAGE.matcher(xml);
        while (x.find()) m.put(x.group(1), x.group(2));
        return m;
    }

    /** The status request (VIGIE-V1 GET status): detector state and active model metrics, or null (no answer). */
    public Map<String, Object> status(String gateway) throws InterruptedException {
        KuraPayload r = request(gateway, STATUS_APP, "GET", "status", Map.of());
        if (r == null) return null;
        Map<String, Object> m = new LinkedHashMap<>();
        for (String n : r.metricNames()) m.put(n, r.getMetric(n));
        return m;
    }

    @Override
    public Verdict deploy(String gateway, Artifact a, URI uri, long jobId, Duration atMost) throws InterruptedException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("dp.uri", uri.toString());
        m.put("dp.name", a.name());
        m.put("dp.version", a.version());
        m.put("dp.download.protocol", "HTTP");
        m.put("dp.download.hash", "SHA256:" + a.sha256());
        m.put("dp.signature", a.signature());
        m.put("dp.install", true);
        m.put("dp.install.system.update", false);
        m.put("job.id", jobId);
        return run(gateway, new Job(gateway, a.sha256(), false), jobId, "download", m, atMost);
    }

    @Override
    public Verdict uninstall(String gateway, String name, long jobId, Duration atMost) throws InterruptedException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("dp.name", name);
        m.put("job.id", jobId);
        return run(gateway, new Job(gateway, null, true), jobId, "uninstall", m, atMost);
    }

    private Verdict run(String gateway, Job job, long jobId, String resource, Map<String, Object> m, Duration atMost)
            throws InterruptedException {
        jobs.put(jobId, job);
        try {
            KuraPayload r = request(gateway, APP, "EXEC", resource, m);
            if (r == null) {
                return Boolean.TRUE.equals(online.get(gateway)) ? Verdict.of(Outcome.TIMEOUT, "no reply to EXEC " + resource)
                        : Verdict.of(Outcome.OFFLINE, "offline");
            }
            Object code = r.getMetric("response.code");
            if (!Integer.valueOf(200).equals(code))
                return Verdict.of(Outcome.FAILED, "EXEC " + resource + " refused (" + code + "): "
                        + r.getMetric("response.exception.message"));
            try {
                return job.done.get(atMost.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                if (!Boolean.TRUE.equals(online.get(gateway)))
                    return Verdict.of(Outcome.OFFLINE, "offline, no verdict within " + atMost.toSeconds() + " s");
                return Verdict.of(Outcome.TIMEOUT, "no verdict within " + atMost.toSeconds() + " s");
            } catch (java.util.concurrent.ExecutionException e) {
                return Verdict.of(Outcome.FAILED, String.valueOf(e.getCause()));
            }
        } finally {
            jobs.remove(jobId);
        }
    }

    /** Sends a request and waits for its reply (retrying the publish while the broker is away); null: no reply. */
    KuraPayload request(String gateway, String app, String method, String resource, Map<String, Object> metrics)
            throws InterruptedException {
        String id = me + "-" + requests.incrementAndGet() + "-" + Long.toHexString(System.nanoTime());
        KuraPayload p = new KuraPayload();
        metrics.forEach(p::addMetric);
        p.addMetric("request.id", id);
        p.addMetric("requester.client.id", me);
        p.setTimestamp(new java.util.Date());
        CompletableFuture<KuraPayload> f = new CompletableFuture<>();
        replies.put(id, f);
        long end = System.nanoTime() + requestTimeout.toNanos();
        try {
            String topic = "$EDC/" + account + "/" + gateway + "/" + app + "/" + method + "/" + resource;
            for (;;) {
                try {
                    client.publish(topic, codec.encode(p), 1, false);
                    break;
                } catch (MqttException e) {
                    if (System.nanoTime() > end) return null; // broker away all along
                    Thread.sleep(500);
                }
            }
            try {
                return f.get(Math.max(1, (end - System.nanoTime()) / 1_000_000), TimeUnit.MILLISECONDS);
            } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
                return null;
            }
        } finally {
            replies.remove(id);
        }
    }

    private void birth(String gateway) {
        // one check at a time per id, at most MAX_CHECKS at once: a flood of forged BIRTHs never builds a queue
        if (checking.size() >= MAX_CHECKS || !checking.add(gateway)) {
            ignored.incrementAndGet();
            return;
        }
        verifier.submit(() -> {
            try {
                // the BIRTH says who it is; a DEPLOY-V2 answer from that client id proves a gateway is there
                if (packages(gateway) != null) {
                    if (online.put(gateway, true) == null) out.println("fleet: gateway " + gateway + " joined");
                    rejoined(gateway);
                } else {
                    out.println("fleet: ignored BIRTH of " + gateway + ": no DEPLOY-V2 answer");
                    ignored.incrementAndGet();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                checking.remove(gateway);
            }
        });
    }

    /**
     * A gateway with a job of this tool under way connected again: after a broker restart its job goes on (DEPLOY-V2
     * {@code GET install} / {@code GET download} name it: keep waiting); after its own restart the job is gone: the
     * rollout asks what it runs now (OFFLINE verdict).
     */
    private void rejoined(String gateway) throws InterruptedException {
        for (Map.Entry<Long, Job> e : jobs.entrySet()) {
            Job j = e.getValue();
            if (!j.gateway.equals(gateway) || j.done.isDone()) continue;
            boolean running = false;
            for (String res : new String[] { "install", "download" }) {
                KuraPayload r = request(gateway, APP, "GET", res, Map.of());
                if (r != null && e.getKey().equals(r.getMetric("job.id"))) running = true;
            }
            if (!running)
                j.done.complete(Verdict.of(Outcome.OFFLINE, "gateway restarted: job " + e.getKey() + " no longer runs"));
        }
    }

    private final class Callback implements MqttCallbackExtended {
        @Override
        public void connectComplete(boolean reconnect, String serverUri) {
            if (!reconnect) return;
            out.println("fleet: reconnected to " + serverUri);
            // the broker keeps the session (clean session off); subscribing again covers a broker that lost it. Not on
            // Paho's callback thread: a blocking call there waits for its own SUBACK
            verifier.submit(() -> {
                try {
                    subscribe();
                } catch (MqttException e) {
                    out.println("fleet: subscribe after reconnect: " + e.getMessage());
                }
            });
        }

        @Override
        public void connectionLost(Throwable cause) {
            out.println("fleet: connection to the broker lost (" + cause.getMessage() + "); reconnecting");
        }

        @Override
        public void messageArrived(String topic, MqttMessage msg) {
            received.incrementAndGet();
            try {
                handle(topic, msg.getPayload());
            } catch (RuntimeException e) {
                ignored.incrementAndGet(); // garbage: never stops the listener
            }
        }

        @Override
        public void deliveryComplete(IMqttDeliveryToken token) {
        }
    }

    private void handle(String topic, byte[] bytes) {
        String[] t = topic.split("/", -1);
        if (bytes.length > MAX_PAYLOAD) {
            ignored.incrementAndGet();
            return;
        }
        if (t.length == 5 && t[0].equals("$EDC") && t[3].equals("MQTT")) {
            String gw = t[2];
            if (!gw.matches("[A-Za-z0-9._:-]{1,128}")) {
                ignored.incrementAndGet();
                return;
            }
            if (t[4].equals("BIRTH")) {
                birth(gw);
            } else if (online.containsKey(gw)) {
                // not the end of its job: a broker restart also brings LWTs; its next BIRTH tells (see rejoined)
                online.put(gw, false);
            }
            return;
        }
        KuraPayload p = codec.decode(bytes, MAX_PAYLOAD, true);
        Map<String, Object> m = new HashMap<>();
        for (String n : p.metricNames()) m.put(n, p.getMetric(n));
        if (t.length >= 6 && t[0].equals("$EDC") && t[2].equals(me) && t[4].equals("REPLY")) {
            CompletableFuture<KuraPayload> f = replies.get(t[5]);
            if (f != null) f.complete(p);
            else ignored.incrementAndGet();
        } else if (t.length == 7 && t[0].equals("$EDC") && t[2].equals(me) && t[4].equals("NOTIFY")) {
            notify(t[5], t[6], m);
        } else if (t.length == 4 && t[2].equals("VIGIE") && t[3].equals("model")) {
            event(t[1], m, topic);
        } else {
            ignored.incrementAndGet();
        }
    }

    /** A DEPLOY-V2 notification: only for a job this tool sent, from the gateway it went to. */
    private void notify(String gateway, String type, Map<String, Object> m) {
        Job j = m.get("job.id") instanceof Long id ? jobs.get(id) : null;
        if (j == null || !j.gateway.equals(gateway)) {
            ignored.incrementAndGet();
            return;
        }
        if (j.uninstall) {
            if ("uninstall".equals(type) && "COMPLETED".equals(m.get("dp.uninstall.status")))
                j.done.complete(new Verdict(Outcome.HEALTHY, "uninstalled", null, null, null, null));
            else if ("uninstall".equals(type) && "FAILED".equals(m.get("dp.uninstall.status")))
                j.done.complete(Verdict.of(Outcome.FAILED, String.valueOf(m.get("dp.uninstall.error.message"))));
            return;
        }
        if ("download".equals(type) && "FAILED".equals(m.get("dp.download.status"))) {
            j.done.complete(Verdict.of(Outcome.FAILED, "download: " + m.get("dp.download.error.message")));
        } else if ("install".equals(type) && "FAILED".equals(m.get("dp.install.status"))) {
            String why = String.valueOf(m.get("dp.install.error.message"));
            // a health rollback is also said by OTA_ROLLBACK; whichever comes first decides
            j.done.complete(Verdict.of(why.contains("rolled back") ? Outcome.ROLLED_BACK : Outcome.FAILED, why));
        }
    }

    /** A telemetry OTA / MODEL event of a gateway with a job of this tool under way. */
    private void event(String gateway, Map<String, Object> m, String topic) {
        Object type = m.get("type");
        if (!(type instanceof String ty) || !online.containsKey(gateway)) {
            ignored.incrementAndGet();
            return;
        }
        otaListener.accept(topic, m);
        for (Job j : jobs.values()) {
            if (!j.gateway.equals(gateway) || j.uninstall) continue;
            Object jid = m.get(OtaTopics.JOB_ID);
            boolean ours = j.sha256.equals(m.get(OtaTopics.SHA256))
                    && (jid == null || jobs.get(jid) == j);
            if (ty.equals("MODEL_CHANGED") && m.get("swap.ms") instanceof Number n) {
                j.swapMs = n.doubleValue();
                j.model = m.get("model.name") + "/" + m.get("model.precision") + "/" + m.get("model.version");
            }
            if (!ours) continue;
            switch (ty) {
                case "OTA_INSTALLED" -> {
                    j.installedAt = m.get(OtaTopics.INSTALLED_AT) instanceof Long l ? l : null;
                    if (Boolean.FALSE.equals(m.get(OtaTopics.WATCHED)))
                        j.done.complete(verdict(j, Outcome.HEALTHY, "installed (no health watch for this package)", null));
                }
                case "OTA_HEALTHY" -> j.done.complete(verdict(j, Outcome.HEALTHY, String.valueOf(m.get(OtaTopics.REASON)), m));
                case "OTA_ROLLBACK" -> j.done.complete(verdict(j, Outcome.ROLLED_BACK, m.get(OtaTopics.REASON)
                        + " (restored " + m.get(OtaTopics.RESTORED_VERSION) + ")", m));
                default -> {
                }
            }
        }
    }

    private static Verdict verdict(Job j, Outcome o, String detail, Map<String, Object> m) {
        Long at = m != null && m.get(OtaTopics.VERDICT_AT) instanceof Long l ? l : null;
        Long inst = j.installedAt != null ? j.installedAt : m != null
                && m.get(OtaTopics.INSTALLED_AT) instanceof Long l ? l : null;
        return new Verdict(o, detail, inst, at, j.swapMs, j.model);
    }

    @Override
    public void close() {
        verifier.shutdownNow();
        try {
            if (client.isConnected()) client.disconnect(3_000);
            client.close();
        } catch (MqttException e) {
            out.println("fleet: disconnect: " + e.getMessage());
        }
    }
}
