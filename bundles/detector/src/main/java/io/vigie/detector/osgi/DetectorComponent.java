package io.vigie.detector.osgi;

import java.util.Map;

import org.eclipse.kura.configuration.ConfigurableComponent;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.vigie.api.detect.DetectorService;
import io.vigie.api.detect.DetectorStatus;
import io.vigie.api.detect.FrameListener;
import io.vigie.api.detect.FrameResult;
import io.vigie.api.inference.InferenceEngine;
import io.vigie.api.model.DetectionModel;
import io.vigie.api.video.FrameSourceFactory;
import io.vigie.api.video.SourceConfig;
import io.vigie.detector.core.DetectionPipeline;
import io.vigie.detector.core.DetectorSettings;

/**
 * OSGi glue around {@link DetectionPipeline}. A Kura ConfigurableComponent: component name =
 * service.pid = metatype OCD id, so Kura's web console and ConfigurationService manage it.
 */
@Component(name = DetectorComponent.PID, configurationPid = DetectorComponent.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL, immediate = true,
        service = { DetectorService.class, ConfigurableComponent.class },
        property = { "service.pid=" + DetectorComponent.PID })
@Designate(ocd = DetectorConfig.class)
public class DetectorComponent implements DetectorService, ConfigurableComponent {
    public static final String PID = "io.vigie.detector";
    private static final Logger LOG = LoggerFactory.getLogger(DetectorComponent.class);

    @Reference
    private InferenceEngine engine;
    @Reference
    private FrameSourceFactory sources;
    @Reference
    private EventAdmin eventAdmin;

    private volatile DetectionPipeline pipeline;

    @Activate
    void activate(DetectorConfig config) {
        synchronized (this) {
            pipeline = new DetectionPipeline(engine, sources,
                    (topic, props) -> eventAdmin.postEvent(new Event(topic, props)));
            // Models first, settings second: the first selection then sees every installed model
            // instead of loading whichever bound first and replacing it a moment later.
            for (DetectionModel m : pendingModels) pipeline.modelAdded(m);
            for (FrameListener l : pendingListeners) pipeline.addListener(l);
            pendingModels.clear();
            pendingListeners.clear();
        }
        apply(config);
        pipeline.start();
        LOG.info("Vigie detector started");
    }

    @Modified
    void modified(DetectorConfig config) {
        apply(config);
    }

    @Deactivate
    void deactivate() {
        pipeline.close();
        LOG.info("Vigie detector stopped");
    }

    private void apply(DetectorConfig c) {
        try {
            if (c.source_uri().isBlank()) throw new IllegalArgumentException("source.uri is empty: set a video file, rtsp:// URL or camera");
            SourceConfig src = new SourceConfig(c.source_uri().trim(), c.source_loop(), c.source_max_fps(),
                    c.source_realtime(), c.source_reconnect_min_ms(), c.source_reconnect_max_ms(), c.source_timeout_ms());
            pipeline.configure(DetectorSettings.validate(src, c.model_precision(), c.score_threshold(), c.classes(),
                    c.zones(), c.min_box_area(), c.dwell_ms(), c.cooldown_ms(), c.threads(),
                    new DetectorSettings.ModelGate(c.model_check_min_score(), c.model_latency_budget_ms(), c.model_grace_ms())));
            LOG.info("Configuration applied: source={} precision={} threshold={} zones={}", c.source_uri(),
                    c.model_precision(), c.score_threshold(), c.zones().length);
        } catch (IllegalArgumentException e) {
            pipeline.rejectConfig(e.getMessage());
        }
    }

    // Models and sinks may bind before activate (static refs bind first): park them until then.
    private final java.util.List<DetectionModel> pendingModels = new java.util.ArrayList<>();
    private final java.util.List<FrameListener> pendingListeners = new java.util.ArrayList<>();

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    synchronized void bindModel(DetectionModel m, Map<String, Object> props) {
        if (pipeline == null) pendingModels.add(m);
        else pipeline.modelAdded(m);
    }

    synchronized void unbindModel(DetectionModel m, Map<String, Object> props) {
        if (pipeline == null) pendingModels.remove(m);
        else pipeline.modelRemoved(m);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    synchronized void bindListener(FrameListener l) {
        if (pipeline == null) pendingListeners.add(l);
        else pipeline.addListener(l);
    }

    synchronized void unbindListener(FrameListener l) {
        if (pipeline == null) pendingListeners.remove(l);
        else pipeline.removeListener(l);
    }

    @Override
    public DetectorStatus status() {
        return pipeline.status();
    }

    @Override
    public FrameResult latest() {
        return pipeline.latest();
    }
}
