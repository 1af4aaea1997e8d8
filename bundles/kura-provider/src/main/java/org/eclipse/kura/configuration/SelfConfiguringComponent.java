package org.eclipse.kura.configuration;

import org.eclipse.kura.KuraException;
import org.osgi.annotation.versioning.ConsumerType;

/** A component that describes its own configuration instead of shipping a metatype resource. */
@ConsumerType
public interface SelfConfiguringComponent {

    ComponentConfiguration getConfiguration() throws KuraException;
}
