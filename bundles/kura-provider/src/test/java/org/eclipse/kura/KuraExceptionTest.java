package org.eclipse.kura;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.io.IOException;

import org.eclipse.kura.cloudconnection.message.KuraMessage;
import org.eclipse.kura.message.KuraPayload;
import org.junit.jupiter.api.Test;

class KuraExceptionTest {

    @Test
    void messageNamesTheCodeAndArguments() {
        IOException cause = new IOException("disk");
        KuraException e = new KuraException(KuraErrorCode.CONFIGURATION_ATTRIBUTE_INVALID, cause, "zones", "x");
        assertEquals(KuraErrorCode.CONFIGURATION_ATTRIBUTE_INVALID, e.getCode());
        assertSame(cause, e.getCause());
        assertEquals("CONFIGURATION_ATTRIBUTE_INVALID: [zones, x]", e.getMessage());
        assertEquals("NOT_CONNECTED", new KuraException(KuraErrorCode.NOT_CONNECTED).getMessage());
    }

    @Test
    void messageCopiesPropertiesAndPayloadMetricsAreReadOnlyViews() {
        java.util.Map<String, Object> props = new java.util.HashMap<>(java.util.Map.of("a", 1));
        KuraPayload p = new KuraPayload();
        p.addMetric("count", 3);
        KuraMessage m = new KuraMessage(p, props);
        props.put("b", 2);
        assertEquals(1, m.getProperties().size());
        assertEquals(3, m.getPayload().getMetric("count"));
        org.junit.jupiter.api.Assertions.assertThrows(UnsupportedOperationException.class, () -> p.metrics().put("x", 1));
    }
}
