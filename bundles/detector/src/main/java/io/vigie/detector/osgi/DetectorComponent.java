package io.vigie.detector.osgi;

import java.io.IOException;
import java.util.Map;

import org.eclipse.kura.configuration.ConfigurableComponent;
import org.osgi.service.cm.ConfigurationAdmin;
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
import org.osgi.service.event.EventAdmin;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.vigie.api.detect.DetectorService;
import io.vigie.api.detect.DetectorSettingsService;
import io.vigie.api.detect.DetectorStatus;
import io.vigie.api.detect.FrameListener;
import io.vigie.api.detect.FrameResult;
import io.vigie.api.inference.InferenceEngine;
import io.vigie.api.model.DetectionModel;
import io.vigie.api.video.FrameSourceFactory;
import io.vigie.detector.core.DetectionPipeline;
import io.vigie.detector.core.ModelValidator;
import io.vigie.detector.core.SettingsRules;
import io.vigie.detector.core.SettingsService;
import io.vigie.detector.cv.CvGreyScaler;

/**
 * OSGi glue around {@link DetectionPipeline}. A Kura ConfigurableComponent: component name =
 * service.pid = metatype OCD id, so Kura's web console and ConfigurationService manage it. Also the
 * {@link DetectorSettingsService} every other way of changing the detector goes through: the
 * configuration is read with {@link SettingsRules} whoever wrote it, and changes are stored in
 * ConfigurationAdmin, from where they come back here through {@link #modified}.
 */
@Component(name = DetectorComponent.PID, configurationPid = DetectorComponent.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL, immediate = true,
        service = { DetectorService.class, DetectorSettingsService.class, ConfigurableComponent.class },
        property = { "service.pid=" + DetectorComponent.PID })
@Designate(ocd = DetectorConfig.class)
public class DetectorComponent implements DetectorService, DetectorSettingsService, ConfigurableComponent {
    public static final String PID = "io.vigie.detector";
    private static final Logger LOG = LoggerFactory.getLogger(DetectorComponent.class);

    @Reference
    private InferenceEngine engine;
    @Reference
    private FrameSourceFactory sources;
    @Reference
    private EventAdmin eventAdmin;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY)
    private volatile ConfigurationAdmin configAdmin;

    private volatile DetectionPipeline pipeline;
    private final SettingsService settings = new SettingsService(new CmSettingsStore(() -> configAdmin));

    /** Takes the raw properties (not {@link DetectorConfig}): {@link SettingsRules} reads them, defaults included. */
    @Activate
    void activate(Map<String, Object> config) {
        synchronized (this) {
            pipeline = new DetectionPipeline(engine, sources,
                    (topic, props) -> eventAdmin.postEvent(new Event(topic, props)), ModelValidator.builtIn(),
                    CvGreyScaler::new);
            // Models first, settings second: the first selection then sees every installed model
            // instead of loading whichever bound first and replacing it a moment later.
            for (DetectionModel m : pendingModels) pipeline.modelAdded(m);
            for (FrameListener l : pendingListeners) pipeline.addListener(l);
            pendingModels.clear();
            pendingListeners.clear();
        }
        configure(config);
        pipeline.start();
        LOG.info("Vigie detector started");
    }

    @Modified
    void modified(Map<String, Object> config) {
        configure(config);
    }

    @Deactivate
    void deactivate() {
        pipeline.close();
        LOG.info("Vigie detector stopped");
    }

    private void configure(Map<String, Object> config) {
        try {
            Map<String, Object> values = SettingsRules.effective(config);
            pipeline.configure(SettingsRules.settings(values));
            settings.inForce(values);
            LOG.info("Configuration applied: source={} precision={} threshold={} zones={}",
                    SettingsService.maskCredentials((String) values.get(SettingsRules.SOURCE_URI)),
                    values.get(SettingsRules.PRECISION), values.get(SettingsRules.SCORE_THRESHOLD),
                    ((String[]) values.get(SettingsRules.ZONES)).length);
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

    @Override
    public Map<String, Object> current() {
        return settings.current();
    }

    @Override
    public Map<String, Object> validate(Map<String, ?> changes) {
        return settings.validate(changes);
    }

    @Override
    public Map<String, Object> apply(Map<String, ?> changes) throws IOException {
        return settings.apply(changes);
    }
}
