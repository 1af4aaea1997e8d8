package io.vigie.ota.osgi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.lang.reflect.Method;

import org.junit.jupiter.api.Test;

/**
 * The servlet and the health handler read their keys of the one OTA configuration through their own types: each
 * key must be one the metatype ({@link OtaConfig}) describes, with its type and default, or it would silently read
 * a default the console never shows.
 */
class ConfigKeysTest {
    @Test
    void everyComponentConfigKeyIsAnOtaConfigKeyWithTheSameTypeAndDefault() throws Exception {
        int checked = 0;
        for (Class<?> part : new Class<?>[] { PackagesConfig.class, HealthConfig.class }) {
            for (Method m : part.getDeclaredMethods()) {
                Method whole = OtaConfig.class.getDeclaredMethod(m.getName());
                assertEquals(whole.getReturnType(), m.getReturnType(), part.getSimpleName() + "." + m.getName());
                assertNotNull(m.getDefaultValue(), part.getSimpleName() + "." + m.getName());
                assertEquals(whole.getDefaultValue(), m.getDefaultValue(), part.getSimpleName() + "." + m.getName());
                checked++;
            }
        }
        assertEquals(9, checked);
    }
}
