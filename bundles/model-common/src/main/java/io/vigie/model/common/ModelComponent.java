package io.vigie.model.common;

import java.io.IOException;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;

import io.vigie.api.model.DetectionModel;
import io.vigie.api.model.Precision;

/**
 * Offers the bundle's model as a {@link DetectionModel} service. Compiled privately into every model
 * bundle (component names only need to be unique within a bundle). The service is registered by hand
 * so its properties are the identity the build wrote into model/model.properties (sha256 of the exact
 * packed bytes); the bundle header {@value #PRECISION_HEADER} says which precision the bundle must
 * carry, so a mis-packed model fails activation instead of serving under the wrong name.
 * Nothing to configure.
 */
@Component(name = "io.vigie.model", service = {}, immediate = true, configurationPolicy = ConfigurationPolicy.IGNORE)
public class ModelComponent {
    public static final String PRECISION_HEADER = "Vigie-Model-Precision";

    private ServiceRegistration<DetectionModel> registration;

    @Activate
    void activate(BundleContext ctx) throws IOException {
        String header = ctx.getBundle().getHeaders().get(PRECISION_HEADER);
        if (header == null)
            throw new IOException(ctx.getBundle().getSymbolicName() + " lacks the " + PRECISION_HEADER + " header");
        registration = ModelRegistration.register(ctx, Precision.valueOf(header.trim()));
    }

    @Deactivate
    void deactivate() {
        try {
            registration.unregister();
        } catch (IllegalStateException alreadyGone) {
            // the framework already dropped it (bundle stopping): nothing left to release
        }
    }
}
