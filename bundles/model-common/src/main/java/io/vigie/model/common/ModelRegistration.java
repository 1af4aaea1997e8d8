package io.vigie.model.common;

import java.io.IOException;
import java.net.URL;
import java.util.Hashtable;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceRegistration;

import io.vigie.api.model.DetectionModel;
import io.vigie.api.model.Precision;

/**
 * Registers the bundle's model as a {@link DetectionModel} service whose properties are the
 * identity read from model.properties (the build writes them, so there is a single source).
 */
public final class ModelRegistration {
    /** Service property: the .tflite's size in bytes (for the dashboard's model list; not part of the identity). */
    public static final String PROP_SIZE = "vigie.model.size";

    private ModelRegistration() {
    }

    public static ServiceRegistration<DetectionModel> register(BundleContext ctx, Precision expected)
            throws IOException {
        Bundle bundle = ctx.getBundle();
        BundledDetectionModel model = new BundledDetectionModel(path -> {
            URL u = bundle.getEntry(path);
            return u == null ? null : u.openStream();
        });
        if (model.identity().precision() != expected)
            throw new IOException(bundle.getSymbolicName() + " packs a " + model.identity().precision()
                    + " model, expected " + expected);
        Hashtable<String, Object> props = new Hashtable<>(model.identity().toProperties());
        if (model.declaredSize() >= 0) props.put(PROP_SIZE, model.declaredSize());
        props.put(Constants.SERVICE_DESCRIPTION, "SSD MobileNet V2 COCO " + expected + " " + model.identity().shortId());
        return ctx.registerService(DetectionModel.class, model, props);
    }
}
