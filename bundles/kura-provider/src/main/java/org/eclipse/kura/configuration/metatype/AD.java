package org.eclipse.kura.configuration.metatype;

import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/** Attribute definition: one configuration property of an {@link OCD}. */
@ProviderType
public interface AD {

    List<Option> getOption();

    String getName();

    String getDescription();

    String getId();

    Scalar getType();

    int getCardinality();

    String getMin();

    String getMax();

    String getDefault();

    boolean isRequired();
}
