package io.vigie.model.common;

import java.io.IOException;
import java.io.InputStream;

/** Opens a resource of the model bundle (bundle entry in OSGi, class path in tests). */
@FunctionalInterface
public interface ResourceLoader {
    /** @return the stream, or null when the resource does not exist */
    InputStream open(String path) throws IOException;
}
