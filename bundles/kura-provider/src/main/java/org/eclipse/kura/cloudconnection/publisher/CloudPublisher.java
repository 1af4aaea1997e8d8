package org.eclipse.kura.cloudconnection.publisher;

import org.eclipse.kura.KuraException;
import org.eclipse.kura.cloudconnection.listener.CloudConnectionListener;
import org.eclipse.kura.cloudconnection.listener.CloudDeliveryListener;
import org.eclipse.kura.cloudconnection.message.KuraMessage;
import org.osgi.annotation.versioning.ProviderType;

/** Publishes application messages over a configured cloud connection. */
@ProviderType
public interface CloudPublisher {

    /** @return an id later confirmed through {@link CloudDeliveryListener}, or null if never confirmed */
    String publish(KuraMessage message) throws KuraException;

    void registerCloudConnectionListener(CloudConnectionListener cloudConnectionListener);

    void unregisterCloudConnectionListener(CloudConnectionListener cloudConnectionListener);

    void registerCloudDeliveryListener(CloudDeliveryListener cloudDeliveryListener);

    void unregisterCloudDeliveryListener(CloudDeliveryListener cloudDeliveryListener);
}
