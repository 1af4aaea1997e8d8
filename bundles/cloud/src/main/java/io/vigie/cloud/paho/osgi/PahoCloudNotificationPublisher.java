package io.vigie.cloud.paho.osgi;

import org.eclipse.kura.KuraException;
import org.eclipse.kura.cloudconnection.listener.CloudConnectionListener;
import org.eclipse.kura.cloudconnection.listener.CloudDeliveryListener;
import org.eclipse.kura.cloudconnection.message.KuraMessage;
import org.eclipse.kura.cloudconnection.publisher.CloudNotificationPublisher;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The {@link CloudNotificationPublisher} service of the Paho cloud connection (exists while the connection component
 * does). Request handlers normally get the same publisher from their RequestHandlerContext; this service is for code
 * that publishes notifications outside a request. Properties: see {@link io.vigie.cloud.paho.NotificationPublisher}.
 */
@Component(name = PahoCloudNotificationPublisher.PID, service = CloudNotificationPublisher.class,
        property = "kura.service.pid=" + PahoCloudNotificationPublisher.PID)
public class PahoCloudNotificationPublisher implements CloudNotificationPublisher {
    public static final String PID = "io.vigie.cloud.paho.notification";

    private final CloudNotificationPublisher delegate;

    @Activate
    public PahoCloudNotificationPublisher(@Reference(name = "connection") PahoCloudPublisher connection) {
        this.delegate = connection.notifications();
    }

    @Override
    public String publish(KuraMessage message) throws KuraException {
        return delegate.publish(message);
    }

    @Override
    public void registerCloudConnectionListener(CloudConnectionListener l) {
        delegate.registerCloudConnectionListener(l);
    }

    @Override
    public void unregisterCloudConnectionListener(CloudConnectionListener l) {
        delegate.unregisterCloudConnectionListener(l);
    }

    @Override
    public void registerCloudDeliveryListener(CloudDeliveryListener l) {
        delegate.registerCloudDeliveryListener(l);
    }

    @Override
    public void unregisterCloudDeliveryListener(CloudDeliveryListener l) {
        delegate.unregisterCloudDeliveryListener(l);
    }
}
