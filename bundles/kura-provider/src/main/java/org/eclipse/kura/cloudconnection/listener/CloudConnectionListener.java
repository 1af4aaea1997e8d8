package org.eclipse.kura.cloudconnection.listener;

import org.osgi.annotation.versioning.ConsumerType;

/** Notified when the cloud connection behind a publisher goes up or down. */
@ConsumerType
public interface CloudConnectionListener {

    void onDisconnected();

    void onConnectionLost();

    void onConnectionEstablished();
}
