package io.vigie.telemetry.core;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import org.eclipse.kura.message.KuraPayload;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.vigie.api.detect.DetectorStatus;
import io.vigie.api.detect.DetectorTopics;
import io.vigie.api.detect.FrameResult;
import io.vigie.api.ota.OtaTopics;
import io.vigie.api.video.ImageView;
import io.vigie.view.process.ProcessStats;

/**
 * The telemetry core for one configuration: frames are aggregated, intrusion and model events
 * become urgent messages, metrics go out when {@link #publishMetrics} is called (the glue
 * schedules it). Events are handled on {@code worker} (one thread: keeps START before END and
 * never blocks EventAdmin or the detector); a snapshot wait happens there, bounded.
 */
public final class Telemetry implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Telemetry.class);

    private final TelemetrySettings settings;
    private final Outbox outbox;
    private final FrameAggregator frames;
    private final SnapshotTaker snapshots;
    private final Supplier<DetectorStatus> detector;
    private final ProcessStats process;
    private final LongSupplier clock;
    private final LongSupplier uptimeMs;
    private final Executor worker;
    /** DeploymentAdmin events (OSGi DA spec 114): model DPs arrive this way. */
    public static final String DP_INSTALL = "org/osgi/service/deployment/INSTALL";
    public static final String DP_UNINSTALL = "org/osgi/service/deployment/UNINSTALL";
    public static final String DP_COMPLETE = "org/osgi/service/deployment/COMPLETE";
    static final String DP_NAME = "deploymentpackage.name";

    private final Map<String, String> dpOperations = new java.util.concurrent.ConcurrentHashMap<>();
    private final AtomicLong intrusions = new AtomicLong();
    private final AtomicLong snapshotsFailed = new AtomicLong();
    private volatile String configError;
    private volatile long lastFailureLogged;

    public Telemetry(TelemetrySettings settings, Supplier<Outbox.Sink> sink, Supplier<DetectorStatus> detector,
            ProcessStats process, LongSupplier clockMillis, LongSupplier nanoClock, LongSupplier uptimeMs, Executor worker) {
        this.settings = settings;
        this.outbox = new Outbox(new TokenBucket(settings.rateMaxPerS(), settings.rateBurst(), nanoClock), sink);
        this.frames = new FrameAggregator(4096, clockMillis.getAsLong());
        this.snapshots = new SnapshotTaker(settings.snapshotAnnotated(), settings.snapshotMaxBytes(),
                settings.snapshotMaxWidth(), settings.snapshotQuality());
        this.detector = detector;
        this.process = process;
        this.clock = clockMillis;
        this.uptimeMs = uptimeMs;
        this.worker = worker;
        process.cpuPercent(); // baseline: the first metrics message then covers its own period
    }

    public TelemetrySettings settings() {
        return settings;
    }

    public SnapshotTaker snapshots() {
        return snapshots;
    }

    /** A refused telemetry configuration, shown in metrics and status until a good one comes. */
    public void configError(String error) {
        configError = error;
    }

    // ---- inputs ----------------------------------------------------------------------------

    /** Sink thread: O(1) aggregation, plus JPEG encoding only while a snapshot is pending. */
    public void onFrame(FrameResult r, ImageView image) {
        frames.add(r);
        snapshots.offer(r, image);
    }

    public boolean wantsImages() {
        return snapshots.wanted();
    }

    /** EventAdmin thread: hands the event to the worker and returns. */
    public void onEvent(String topic, Map<String, Object> props) {
        if (!settings.enabled()) return;
        Runnable task;
        if (DetectorTopics.INTRUSION_START.equals(topic)) task = () -> intrusion("START", props);
        else if (DetectorTopics.INTRUSION_END.equals(topic)) task = () -> intrusion("END", props);
        else if (DetectorTopics.MODEL_CHANGED.equals(topic)) task = () -> model(props);
        else if (topic.startsWith(OtaTopics.PREFIX)) task = () -> ota(topic.substring(OtaTopics.PREFIX.length()), props);
        else if (DP_INSTALL.equals(topic) || DP_UNINSTALL.equals(topic)) {
            // remembered until COMPLETE, which does not say what completed
            Object name = props.get(DP_NAME);
            if (name != null) dpOperations.put(String.valueOf(name), DP_INSTALL.equals(topic) ? "INSTALL" : "UNINSTALL");
            return;
        } else if (DP_COMPLETE.equals(topic)) {
            Object name = props.get(DP_NAME);
            String op = name == null ? null : dpOperations.remove(String.valueOf(name));
            task = () -> deployment(op, props);
        } else return;
        try {
            worker.execute(task);
        } catch (RejectedExecutionException e) {
            LOG.debug("telemetry stopping, event {} not sent", topic);
        }
    }

    // ---- outputs ---------------------------------------------------------------------------

    void intrusion(String type, Map<String, Object> props) {
        intrusions.incrementAndGet();
        Snapshot snap = null;
        String snapError = null;
        if (settings.snapshotOnIntrusion()) {
            CompletableFuture<Snapshot> f = snapshots.request();
            try {
                snap = f.get(settings.snapshotTimeoutMs(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                f.cancel(false);
                snapError = "no frame with pixels within " + settings.snapshotTimeoutMs() + " ms";
            } catch (ExecutionException e) {
                snapError = String.valueOf(e.getCause().getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                f.cancel(false);
                snapError = "interrupted";
            }
            if (snap == null) snapshotsFailed.incrementAndGet();
        }
        // urgent: never dropped by the rate limiter
        report(outbox.send(settings.intrusionTopic(), settings.intrusionPriority(), true,
                Payloads.intrusion(type, props, snap, snapError)));
    }

    void model(Map<String, Object> props) {
        report(outbox.send(settings.modelTopic(), settings.modelPriority(), true, Payloads.model(props, clock.getAsLong())));
    }

    /** An OTA install / verdict / rollback: urgent, so the store-and-forward keeps it through an outage like an alarm. */
    void ota(String kind, Map<String, Object> props) {
        report(outbox.send(settings.modelTopic(), settings.modelPriority(), true, Payloads.ota(kind, props, clock.getAsLong())));
    }

    void deployment(String operation, Map<String, Object> props) {
        report(outbox.send(settings.modelTopic(), settings.modelPriority(), true,
                Payloads.deployment(operation, props, clock.getAsLong())));
    }

    /** One metrics message for the window since the previous call (dropped, and counted, when over the rate). */
    public Outbox.Result publishMetrics() {
        FrameAggregator.Window w = frames.drain(clock.getAsLong());
        if (!settings.enabled()) return null;
        DetectorStatus st = status();
        KuraPayload p = Payloads.metrics(w, st, process.cpuPercent(), process.rssBytes(), uptimeMs.getAsLong(), counters(),
                clock.getAsLong());
        Outbox.Result r = outbox.send(settings.metricsTopic(), settings.metricsPriority(), false, p);
        report(r);
        return r;
    }

    public DetectorStatus status() {
        try {
            return detector.get();
        } catch (RuntimeException e) {
            return null; // detector going away between the check and the call
        }
    }

    public Payloads.Counters counters() {
        return new Payloads.Counters(outbox.sent(), outbox.urgentOverRate(), outbox.rateDropped(), outbox.noPublisher(),
                outbox.failed(), outbox.lastError(), intrusions.get(), snapshotsFailed.get(), configError);
    }

    private void report(Outbox.Result r) {
        // counted always; logged at most once a minute so a broker outage does not flood the log
        if (r == Outbox.Result.FAILED) {
            long now = clock.getAsLong();
            if (now - lastFailureLogged > 60_000) {
                lastFailureLogged = now;
                LOG.warn("telemetry publish failed ({} so far): {}", outbox.failed(), outbox.lastError());
            }
        }
    }

    @Override
    public void close() {
        snapshots.close();
    }
}
