package io.vigie.detector.core;

import java.util.Map;

/** Where the pipeline posts events (EventAdmin in OSGi; a list in tests). Must not block. */
@FunctionalInterface
public interface EventSink {
    void post(String topic, Map<String, Object> properties);
}
