package org.eclipse.kura.configuration.metatype;

import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/** Object class definition: a component's configuration schema. */
@ProviderType
public interface OCD {

    List<AD> getAD();

    List<Icon> getIcon();

    String getName();

    String getDescription();

    String getId();
}
