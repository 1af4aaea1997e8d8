package org.eclipse.kura.configuration;

import java.util.Map;

import org.eclipse.kura.configuration.metatype.OCD;
import org.osgi.annotation.versioning.ProviderType;

/** The PID, the definition and the current properties of one configurable component. */
@ProviderType
public interface ComponentConfiguration {

    String getPid();

    OCD getDefinition();

    Map<String, Object> getConfigurationProperties();
}
