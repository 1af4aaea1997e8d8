package io.vigie.model.ssdmobilenetv2.int8;

import java.io.IOException;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;

import io.vigie.api.model.DetectionModel;
import io.vigie.api.model.Precision;
import io.vigie.model.common.ModelRegistration;

/**
 * Offers this bundle's SSD MobileNet V2 COCO INT8 model as a {@link DetectionModel} service. The
 * service is registered by hand so its properties are the identity the build wrote into
 * model/model.properties (sha256 of the exact packed bytes). Nothing to configure.
 */
@Component(name = Int8ModelComponent.PID, service = {}, immediate = true,
        configurationPolicy = ConfigurationPolicy.IGNORE)
public class Int8ModelComponent {
    public static final String PID = "io.vigie.model.ssd-mobilenet-v2.int8";

    private ServiceRegistration<DetectionModel> registration;

    @Activate
    void activate(BundleContext ctx) throws IOException {
        registration = ModelRegistration.register(ctx, Precision.INT8);
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
