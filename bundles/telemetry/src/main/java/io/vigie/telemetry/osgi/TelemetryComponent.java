package io.vigie.telemetry.osgi;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.eclipse.kura.KuraException;
import org.eclipse.kura.cloudconnection.message.KuraMessage;
import org.eclipse.kura.cloudconnection.publisher.CloudPublisher;
import org.eclipse.kura.cloudconnection.request.RequestHandlerRegistry;
import org.eclipse.kura.configuration.ConfigurableComponent;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventHandler;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.vigie.api.detect.DetectorService;
import io.vigie.api.detect.DetectorSettingsService;
import io.vigie.api.detect.DetectorStatus;
import io.vigie.api.detect.DetectorTopics;
import io.vigie.api.detect.FrameListener;
import io.vigie.api.detect.FrameResult;
import io.vigie.api.ota.OtaTopics;
import io.vigie.api.video.ImageView;
import io.vigie.telemetry.core.CommandHandler;
import io.vigie.telemetry.core.Outbox;
import io.vigie.telemetry.core.Telemetry;
import io.vigie.telemetry.core.TelemetrySettings;
import io.vigie.view.process.ProcessStats;

/**
 * OSGi glue: a Kura ConfigurableComponent (PID = name = OCD id io.vigie.telemetry). Consumes the
 * detector through the FrameListener whiteboard (aggregates, pixels only for pending snapshots)
 * and EventAdmin (intrusion, model), changes its settings through its DetectorSettingsService,
 * publishes with whichever CloudPublisher matches {@code CloudPublisher.target} (none = nothing
 * sent), and registers its request handler with every RequestHandlerRegistry (Kura's cloud
 * connection, or io.vigie.cloud.paho standalone).
 */
@Component(name = TelemetryComponent.PID, configurationPid = TelemetryComponent.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL, immediate = true,
        service = { ConfigurableComponent.class, FrameListener.class, EventHandler.class },
        property = { "service.pid=" + TelemetryComponent.PID,
                "event.topics=" + DetectorTopics.INTRUSION_START, "event.topics=" + DetectorTopics.INTRUSION_END,
                "event.topics=" + DetectorTopics.MODEL_CHANGED, "event.topics=" + Telemetry.DP_INSTALL,
                "event.topics=" + Telemetry.DP_UNINSTALL, "event.topics=" + Telemetry.DP_COMPLETE,
                "event.topics=" + OtaTopics.ALL })
@Designate(ocd = TelemetryConfig.class)
public class TelemetryComponent implements ConfigurableComponent, FrameListener, EventHandler {
    public static final String PID = "io.vigie.telemetry";
    private static final Logger LOG = LoggerFactory.getLogger(TelemetryComponent.class);

    @Reference(name = "CloudPublisher", cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile CloudPublisher cloudPublisher;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile DetectorService detector;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile DetectorSettingsService detectorSettings;

    private final List<RequestHandlerRegistry> registries = new ArrayList<>();
    private final ProcessStats process = new ProcessStats(Path.of("/proc/self"), System::nanoTime);
    private ScheduledExecutorService exec;
    private ScheduledFuture<?> metricsTask;
    private volatile Telemetry telemetry;
    private CommandHandler handler;
    private String appId;

    @Activate
    void activate(TelemetryConfig c) {
        exec = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "vigie-telemetry");
            t.setDaemon(true);
            return t;
        });
        TelemetrySettings s;
        String error = null;
        try {
            s = toSettings(c).validate();
        } catch (IllegalArgumentException e) {
            // nothing valid to keep yet: run on defaults, say why everywhere it can be seen
            error = e.getMessage();
            LOG.error("telemetry configuration refused, using defaults: {}", error);
            s = TelemetrySettings.defaults();
        }
        apply(s);
        if (error != null) telemetry.configError(error);
        LOG.info("Vigie telemetry started (topics {}, {}, {}; commands {})", s.intrusionTopic(), s.metricsTopic(),
                s.modelTopic(), s.requestAppId());
    }

    @Modified
    void modified(TelemetryConfig c) {
        try {
            apply(toSettings(c).validate());
        } catch (IllegalArgumentException e) {
            LOG.error("telemetry configuration refused, keeping the running settings: {}", e.getMessage());
            telemetry.configError(e.getMessage());
        }
    }

    @Deactivate
    void deactivate() {
        synchronized (this) {
            unregisterAll();
            handler = null;
        }
        exec.shutdownNow();
        Telemetry t = telemetry;
        if (t != null) t.close();
        LOG.info("Vigie telemetry stopped");
    }

    private void apply(TelemetrySettings s) {
        Telemetry next = new Telemetry(s, this::sink, this::detectorStatus, process, System::currentTimeMillis,
                System::nanoTime, () -> ManagementFactory.getRuntimeMXBean().getUptime(), exec);
        Telemetry prev = telemetry;
        telemetry = next;
        if (prev != null) prev.close();
        if (metricsTask != null) metricsTask.cancel(false);
        metricsTask = exec.scheduleAtFixedRate(this::metrics, s.metricsIntervalS(), s.metricsIntervalS(), TimeUnit.SECONDS);
        CommandHandler h = new CommandHandler(this::detectorStatus, () -> detectorSettings, () -> telemetry.snapshots().request(),
                () -> telemetry.counters(), s.snapshotTimeoutMs(), s.configApplyTimeoutMs(), CommandHandler.systemWaiter());
        synchronized (this) {
            unregisterAll();
            handler = h;
            appId = s.requestAppId();
            for (RequestHandlerRegistry r : registries) register(r);
        }
    }

    private void metrics() {
        try {
            telemetry.publishMetrics();
        } catch (RuntimeException e) {
            // a scheduled task that throws is never run again: log and keep the schedule alive
            LOG.warn("telemetry metrics failed: {}", e.toString(), e);
        }
    }

    static TelemetrySettings toSettings(TelemetryConfig c) {
        return new TelemetrySettings(c.enabled(), c.topic_intrusion().trim(), c.topic_metrics().trim(), c.topic_model().trim(),
                c.priority_intrusion(), c.priority_model(), c.priority_metrics(), c.metrics_interval_s(), c.rate_max_per_s(),
                c.rate_burst(), c.snapshot_enabled(), c.snapshot_annotated(), c.snapshot_max_bytes(), c.snapshot_max_width(),
                c.snapshot_jpeg_quality(), c.snapshot_timeout_ms(), c.request_app_id().trim(), c.config_apply_timeout_ms());
    }

    // ---- detector side ---------------------------------------------------------------------

    @Override
    public void onFrame(FrameResult result, ImageView image) {
        Telemetry t = telemetry;
        if (t != null) t.onFrame(result, image);
    }

    @Override
    public boolean wantsImages() {
        Telemetry t = telemetry;
        return t != null && t.wantsImages();
    }

    @Override
    public void handleEvent(Event event) {
        Telemetry t = telemetry;
        if (t == null) return;
        Map<String, Object> props = new HashMap<>();
        for (String n : event.getPropertyNames()) props.put(n, event.getProperty(n));
        t.onEvent(event.getTopic(), props);
    }

    private DetectorStatus detectorStatus() {
        DetectorService d = detector;
        try {
            return d == null ? null : d.status();
        } catch (RuntimeException e) {
            return null; // the detector is being deactivated between our check and the call
        }
    }

    // ---- cloud side ------------------------------------------------------------------------

    /** Null while no CloudPublisher matches the target: the outbox counts and skips. */
    private Outbox.Sink sink() {
        CloudPublisher p = cloudPublisher;
        if (p == null) return null;
        return (topic, priority, payload) -> {
            Map<String, Object> props = new HashMap<>();
            // read by io.vigie.cloud.paho; in Kura, set the publisher's app topic to $topic to use it
            props.put("topic", topic);
            props.put("priority", priority);
            p.publish(new KuraMessage(payload, props));
        };
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    synchronized void bindRequestHandlerRegistry(RequestHandlerRegistry r) {
        registries.add(r);
        if (handler != null) register(r);
    }

    synchronized void unbindRequestHandlerRegistry(RequestHandlerRegistry r) {
        registries.remove(r);
        if (handler != null) {
            try {
                r.unregister(appId);
            } catch (KuraException | RuntimeException e) {
                LOG.debug("unregister {} from a leaving registry: {}", appId, e.toString());
            }
        }
    }

    private void register(RequestHandlerRegistry r) {
        try {
            r.registerRequestHandler(appId, handler);
            LOG.info("request handler {} registered", appId);
        } catch (KuraException | RuntimeException e) {
            LOG.error("cannot register request handler {}: {}", appId, e.getMessage());
        }
    }

    private void unregisterAll() {
        if (handler == null) return;
        for (RequestHandlerRegistry r : registries) {
            try {
                r.unregister(appId);
            } catch (KuraException | RuntimeException e) {
                LOG.debug("unregister {}: {}", appId, e.toString());
            }
        }
    }
}
