package org.eclipse.kura.configuration;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Marker for components whose configuration (service.pid + metatype) is managed by Kura's
 * ConfigurationService. In the standalone runtime ConfigAdmin + fileinstall play that role.
 */
@ConsumerType
public interface ConfigurableComponent {
}
