package org.eclipse.kura.configuration.metatype;

import org.osgi.annotation.versioning.ProviderType;

/** One allowed value of an {@link AD}. */
@ProviderType
public interface Option {

    String getLabel();

    String getValue();
}
