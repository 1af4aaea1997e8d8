package org.eclipse.kura.cloudconnection.listener;

import org.osgi.annotation.versioning.ConsumerType;

/** Notified when a message id returned by a publisher is confirmed as delivered. */
@ConsumerType
public interface CloudDeliveryListener {

    void onMessageConfirmed(String messageId);
}
