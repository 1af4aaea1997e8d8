/** Kura API package as published by org.eclipse.kura.api (Kura 5.x, version kept equal to Kura's: CloudPublisher and
 * CloudNotificationPublisher both came with it); standalone Vigie runtime only. */
@org.osgi.annotation.versioning.Version("1.0.0")
package org.eclipse.kura.cloudconnection.publisher;
