package io.vigie.tools.audit;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.eclipse.kura.message.KuraPayload;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallbackExtended;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MqttDefaultFilePersistence;

import io.vigie.cloud.paho.KuraPayloadCodec;
import io.vigie.tools.mlflow.MlflowException;

/**
 * The cloud-side listener: a persistent MQTT session (fixed client id, clean session off, QoS 1), so the broker keeps
 * what gateways publish while the auditor is away and delivers it when it is back. Each message is decoded (size
 * capped), given to the {@link DeploymentAuditor}, and its records put in the {@link Journal} BEFORE the message is
 * acknowledged (returning from the callback acks it); a writer thread moves journaled records to MLflow, with back-off
 * while MLflow is away. Nothing is lost (journal, broker) and nothing written twice (the writer's key search).
 */
public final class AuditListener implements AutoCloseable {
    /** A telemetry message of an OTA event is a few hundred bytes: anything this large is not one. */
    public static final int MAX_PAYLOAD_BYTES = 256 * 1024;
    static final long MAX_BACKOFF_MS = 60_000;

    /** @param untilIdleMs 0 = run until stopped; else return once nothing came for that long and the journal is settled */
    public record Options(String brokerUri, String clientId, List<String> topics, String username, char[] password,
            Path stateDir, long untilIdleMs) {
    }

    private final Options options;
    private final DeploymentAuditor auditor;
    private final Journal journal;
    private final MlflowAuditWriter writer;
    private final PrintStream out;
    private final KuraPayloadCodec codec = new KuraPayloadCodec();
    private final Object wake = new Object();
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong logged = new AtomicLong();
    private volatile long lastMessage = System.currentTimeMillis();
    private volatile boolean stopping;
    private boolean closed;
    /** The writer's last attempt failed on an outage (MLflow away); the message said once per outage. */
    private volatile String outage;
    private volatile long lastAttemptFailedAt;
    private MqttClient client;
    private Thread writerThread;

    public AuditListener(Options options, DeploymentAuditor auditor, MlflowAuditWriter writer, PrintStream out)
            throws IOException {
        this.options = options;
        this.auditor = auditor;
        this.writer = writer;
        this.out = out;
        this.journal = new Journal(options.stateDir());
    }

    public Journal journal() {
        return journal;
    }

    /**
     * Connects (retrying while the broker is away), then runs until {@link #close()} or, with {@code untilIdleMs}, until
     * idle. @return the records still waiting for MLflow (0: everything logged)
     */
    public int run() throws Exception {
        Path mqttState = Files.createDirectories(options.stateDir().resolve("mqtt"));
        client = new MqttClient(options.brokerUri(), options.clientId(), new MqttDefaultFilePersistence(mqttState.toString()));
        client.setCallback(new Callback());
        writerThread = new Thread(this::writeLoop, "vigie-audit-writer");
        writerThread.setDaemon(true);
        writerThread.start();
        connect();
        if (stopping) return journal.count(); // stopped before the broker answered
        out.printf(Locale.ROOT, "audit: listening on %s as %s (persistent session), topics %s; %d record(s) pending from "
                + "before%n", options.brokerUri(), options.clientId(), options.topics(), journal.count());
        while (!stopping) {
            synchronized (wake) {
                wake.wait(200);
            }
            if (options.untilIdleMs() > 0 && idle()) break;
        }
        int left = journal.count();
        out.printf(Locale.ROOT, "audit: %d message(s), %d rejected, %d record(s) logged%s%n", received.get(), rejected.get(),
                logged.get(), left == 0 ? "" : "; " + left + " NOT logged yet (kept in " + options.stateDir().resolve("pending")
                        + ", written by the next run" + (outage == null ? "" : ": " + outage) + ")");
        return left;
    }

    private boolean idle() throws IOException {
        long now = System.currentTimeMillis();
        if (now - lastMessage < options.untilIdleMs()) return false;
        // settled: all written, or MLflow failed since the last message (waiting longer would not help a script)
        return journal.count() == 0 || outage != null && lastAttemptFailedAt > lastMessage;
    }

    private void connect() throws InterruptedException {
        MqttConnectOptions o = new MqttConnectOptions();
        o.setCleanSession(false); // the broker queues QoS 1 messages for this client id while it is away
        o.setAutomaticReconnect(true);
        o.setKeepAliveInterval(30);
        o.setMaxInflight(100);
        if (options.username() != null) o.setUserName(options.username());
        if (options.password() != null) o.setPassword(options.password());
        long backoff = 1000;
        long started = System.currentTimeMillis();
        while (!stopping) {
            try {
                client.connect(o);
                int[] qos = new int[options.topics().size()];
                java.util.Arrays.fill(qos, 1);
                client.subscribe(options.topics().toArray(String[]::new), qos);
                return;
            } catch (MqttException e) {
                if (options.untilIdleMs() > 0 && System.currentTimeMillis() - started > options.untilIdleMs())
                    throw new IllegalStateException("broker " + options.brokerUri() + " unreachable: " + e.getMessage(), e);
                out.printf(Locale.ROOT, "audit: broker %s: %s; retrying in %d s%n", options.brokerUri(), e.getMessage(),
                        backoff / 1000);
                synchronized (wake) {
                    wake.wait(backoff); // close() wakes it: SIGTERM does not wait for the back-off
                }
                backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
            }
        }
    }

    private final class Callback implements MqttCallbackExtended {
        @Override
        public void connectComplete(boolean reconnect, String serverUri) {
            if (reconnect) out.println("audit: reconnected to " + serverUri);
        }

        @Override
        public void connectionLost(Throwable cause) {
            if (!stopping) out.println("audit: connection lost (" + cause + "); reconnecting");
        }

        /** Returning acknowledges the message: only after its records are in the journal. Throwing: redelivered later. */
        @Override
        public void messageArrived(String topic, MqttMessage m) throws IOException {
            lastMessage = System.currentTimeMillis();
            received.incrementAndGet();
            byte[] bytes = m.getPayload();
            KuraPayload p;
            try {
                if (bytes.length > MAX_PAYLOAD_BYTES) throw new IllegalArgumentException(bytes.length + " bytes");
                p = codec.decode(bytes, MAX_PAYLOAD_BYTES, false);
            } catch (RuntimeException e) {
                rejected.incrementAndGet();
                out.println("audit: rejected a message on " + Names.name(topic) + ": not a telemetry payload ("
                        + Names.name(e.getMessage()) + ")");
                return;
            }
            java.util.Map<String, Object> metrics = new java.util.HashMap<>();
            for (String n : p.metricNames()) metrics.put(n, p.getMetric(n));
            Long sent = p.getTimestamp() == null ? null : p.getTimestamp().getTime();
            DeploymentAuditor.Result r;
            synchronized (auditor) {
                r = auditor.accept(topic, metrics, sent);
            }
            switch (r.outcome()) {
                case REJECTED -> {
                    rejected.incrementAndGet();
                    out.println("audit: rejected a message on " + Names.name(topic) + ": " + r.why());
                }
                case WAITING -> out.println("audit: " + r.why());
                default -> {
                }
            }
            if (r.records().isEmpty()) return;
            for (DeploymentRecord rec : r.records()) journal.put(rec);
            synchronized (wake) {
                wake.notifyAll();
            }
        }

        @Override
        public void deliveryComplete(IMqttDeliveryToken token) {
        }
    }

    // ---- the writer: journal -> MLflow

    private void writeLoop() {
        long backoff = 1000;
        while (!stopping) {
            boolean failed;
            try {
                failed = !flush();
            } catch (IOException | RuntimeException e) {
                out.println("audit: journal: " + e);
                failed = true;
            }
            backoff = failed ? Math.min(MAX_BACKOFF_MS, backoff * 2) : 1000;
            synchronized (wake) {
                try {
                    wake.wait(failed ? backoff : 500);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** Writes what the journal holds; false when MLflow is away (the rest waits for the next try). */
    boolean flush() throws IOException {
        for (DeploymentRecord r : journal.pending()) {
            if (stopping) return true;
            try {
                MlflowAuditWriter.Written w = writer.write(r);
                journal.done(r);
                logged.incrementAndGet();
                if (outage != null) {
                    out.println("audit: MLflow is back");
                    outage = null;
                }
                out.printf(Locale.ROOT, "audit: logged %s %s %s on %s: %s (run %s%s)%n", r.packageName(), r.version(),
                        r.sha256() == null ? "" : r.sha256().substring(0, 12), r.gateway(), r.verdict(), w.runId(),
                        w.registryVersion() == null ? "" : ", registry version " + w.registryVersion() + " tagged");
            } catch (MlflowException e) {
                if (transientFailure(e)) {
                    lastAttemptFailedAt = System.currentTimeMillis();
                    if (outage == null) {
                        outage = e.getMessage();
                        out.println("audit: " + outage + "; " + journal.count() + " record(s) not logged yet (kept in "
                                + options.stateDir().resolve("pending") + "; retrying with back-off)");
                    }
                    return false;
                }
                out.println("audit: MLflow refused the record of " + r.packageName() + " on " + r.gateway() + ": "
                        + e.getMessage() + " (kept in " + options.stateDir().resolve("refused") + ")");
                journal.refuse(r, e.getMessage());
            }
        }
        return true;
    }

    /** An outage (worth retrying) rather than MLflow saying no to this record. */
    static boolean transientFailure(MlflowException e) {
        return switch (e.kind()) {
            case UNREACHABLE, NOT_MLFLOW -> true;
            case HTTP -> e.httpStatus() == 0 || e.httpStatus() >= 500 || e.httpStatus() == 429 || e.httpStatus() == 408;
            default -> false;
        };
    }

    /** Stops: the session stays at the broker (messages keep queueing for the next run), the journal on disk. */
    @Override
    public synchronized void close() {
        // once: the SIGTERM hook and the main thread both close; a second Paho disconnect would wait on the first
        if (closed) return;
        closed = true;
        stopping = true;
        synchronized (wake) {
            wake.notifyAll();
        }
        try {
            if (writerThread != null) writerThread.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            if (client != null) {
                if (client.isConnected()) client.disconnect(5_000);
                client.close();
            }
        } catch (MqttException e) {
            out.println("audit: disconnect: " + e.getMessage());
        }
    }
}
