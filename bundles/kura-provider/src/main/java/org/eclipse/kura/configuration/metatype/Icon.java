package org.eclipse.kura.configuration.metatype;

import java.math.BigInteger;

import org.osgi.annotation.versioning.ProviderType;

/** An icon of an {@link OCD}. */
@ProviderType
public interface Icon {

    String getResource();

    BigInteger getSize();
}
