package io.vigie.inference.osgi;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;

import io.vigie.api.inference.EngineOptions;
import io.vigie.api.inference.InferenceEngine;
import io.vigie.api.inference.ModelLoadException;
import io.vigie.api.inference.ObjectDetector;
import io.vigie.api.model.ModelIdentity;
import io.vigie.api.model.ModelSpec;
import io.vigie.inference.core.TfliteEngine;

/**
 * Registers the TFLite engine as {@link InferenceEngine}. The config only supplies defaults and a
 * global XNNPACK switch; detectors already loaded keep their options (the next load sees changes).
 */
@Component(name = TfliteEngineComponent.PID, configurationPid = TfliteEngineComponent.PID,
        configurationPolicy = ConfigurationPolicy.OPTIONAL, service = InferenceEngine.class,
        property = "vigie.engine=tflite")
@Designate(ocd = TfliteEngineConfig.class)
public class TfliteEngineComponent implements InferenceEngine {
    public static final String PID = "io.vigie.inference.tflite";

    private final TfliteEngine engine = new TfliteEngine();
    private volatile TfliteEngineConfig config;

    @Activate
    @Modified
    void configure(TfliteEngineConfig cfg) {
        this.config = cfg;
    }

    @Override
    public ObjectDetector load(ModelIdentity identity, byte[] model, ModelSpec spec, EngineOptions options)
            throws ModelLoadException {
        return engine.load(identity, model, spec, effective(options, config));
    }

    static EngineOptions effective(EngineOptions requested, TfliteEngineConfig cfg) {
        if (requested == null) return new EngineOptions(Math.max(1, cfg.threads()), cfg.xnnpack(), 100);
        if (!cfg.xnnpack() && requested.useXnnpack())
            return new EngineOptions(requested.threads(), false, requested.maxResults());
        return requested;
    }
}
