package io.vigie.telemetry.core;

import java.io.IOException;
import java.util.Map;

/** The detector's configuration (ConfigurationAdmin PID io.vigie.detector in the glue; a map in tests). */
public interface DetectorConfigStore {
    /** Current properties, or null when the PID has no configuration (detector on defaults). */
    Map<String, Object> read() throws IOException;

    /** Replaces the properties; null deletes the configuration. */
    void write(Map<String, Object> props) throws IOException;
}
