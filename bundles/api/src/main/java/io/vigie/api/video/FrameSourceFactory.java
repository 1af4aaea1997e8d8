package io.vigie.api.video;

import org.osgi.annotation.versioning.ProviderType;

/** Service that opens {@link FrameSource}s. */
@ProviderType
public interface FrameSourceFactory {
    /** Starts a source; never throws for an unreachable input: the source reports it and retries. */
    FrameSource open(SourceConfig config);
}
