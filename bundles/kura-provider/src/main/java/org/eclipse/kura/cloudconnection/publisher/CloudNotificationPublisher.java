package org.eclipse.kura.cloudconnection.publisher;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Publisher for notifications about a running request (e.g. DEPLOY-V2 download progress). Message properties
 * {@code appId}, {@code messageType} (the notification resource) and {@code requestorClientId} are required; the
 * standalone runtime publishes to {@code $EDC/account/requestorClientId/appId/NOTIFY/clientId/messageType}, as Kura.
 */
@ProviderType
public interface CloudNotificationPublisher extends CloudPublisher {
}
