package io.vigie.ota.osgi;

import java.lang.reflect.Proxy;
import java.util.Map;

/** An {@link OtaConfig} as DS would pass it: the metatype defaults, with some keys set (by method name). */
final class OtaConfigs {
    private OtaConfigs() {
    }

    static OtaConfig of(Map<String, Object> set) {
        return (OtaConfig) Proxy.newProxyInstance(OtaConfig.class.getClassLoader(), new Class<?>[] { OtaConfig.class },
                (proxy, m, args) -> set.containsKey(m.getName()) ? set.get(m.getName()) : m.getDefaultValue());
    }
}
