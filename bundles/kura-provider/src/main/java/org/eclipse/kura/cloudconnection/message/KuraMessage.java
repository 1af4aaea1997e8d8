package org.eclipse.kura.cloudconnection.message;

import java.util.HashMap;
import java.util.Map;

import org.eclipse.kura.message.KuraPayload;
import org.osgi.annotation.versioning.ProviderType;

/** A payload plus free-form properties handed to a publisher. */
@ProviderType
public class KuraMessage {

    private final KuraPayload payload;
    private final Map<String, Object> properties;

    public KuraMessage(KuraPayload payload) {
        this(payload, Map.of());
    }

    public KuraMessage(KuraPayload payload, Map<String, Object> properties) {
        this.payload = payload;
        this.properties = new HashMap<>(properties);
    }

    public Map<String, Object> getProperties() {
        return properties;
    }

    public KuraPayload getPayload() {
        return payload;
    }
}
