package io.vigie.api.detect;

import org.osgi.annotation.versioning.ProviderType;

/** Read-only view of the detector, registered as a service. */
@ProviderType
public interface DetectorService {
    DetectorStatus status();

    /** Latest frame result, or null before the first. */
    FrameResult latest();
}
