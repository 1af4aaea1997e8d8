package io.vigie.detector.osgi;

import java.io.IOException;
import java.util.Dictionary;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.Map;
import java.util.function.Supplier;

import org.osgi.framework.InvalidSyntaxException;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import io.vigie.detector.core.SettingsService;

/**
 * The detector's configuration in ConfigurationAdmin. Location "?" (multi-location), as Kura's own
 * configuration service and file installers use it, so whoever created it can keep managing it.
 */
final class CmSettingsStore implements SettingsService.Store {
    private final Supplier<ConfigurationAdmin> cm;

    CmSettingsStore(Supplier<ConfigurationAdmin> cm) {
        this.cm = cm;
    }

    @Override
    public Map<String, Object> read() throws IOException {
        Configuration[] cs;
        try {
            cs = admin().listConfigurations("(service.pid=" + DetectorComponent.PID + ")");
        } catch (InvalidSyntaxException e) {
            throw new IOException(e);
        }
        if (cs == null || cs.length == 0 || cs[0].getProperties() == null) return null;
        Dictionary<String, Object> d = cs[0].getProperties();
        Map<String, Object> m = new HashMap<>();
        for (Enumeration<String> e = d.keys(); e.hasMoreElements();) {
            String k = e.nextElement();
            m.put(k, d.get(k));
        }
        return m;
    }

    @Override
    public void write(Map<String, Object> props) throws IOException {
        Hashtable<String, Object> d = new Hashtable<>();
        props.forEach((k, v) -> {
            // ConfigurationAdmin sets these itself
            if (v != null && !k.equals("service.pid") && !k.equals("service.bundleLocation")) d.put(k, v);
        });
        admin().getConfiguration(DetectorComponent.PID, "?").update(d);
    }

    private ConfigurationAdmin admin() throws IOException {
        ConfigurationAdmin a = cm.get();
        if (a == null) throw new IOException("ConfigurationAdmin is not available");
        return a;
    }
}
