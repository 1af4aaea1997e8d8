package io.vigie.detector.core;

import java.io.IOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import io.vigie.api.detect.DetectorSettingsService;
import io.vigie.api.video.SourceConfig;

/**
 * {@link DetectorSettingsService} over the detector's stored configuration: changes are checked with
 * {@link SettingsRules} against the settings in force, then merged into the store (ConfigurationAdmin
 * in the glue), from where the detector applies them live and reports them back with {@link #inForce}.
 */
public final class SettingsService implements DetectorSettingsService {
    /** Shown instead of the password (or the lone user/token) of a source URI. */
    public static final String MASK = SourceConfig.MASK;

    /** The detector's stored configuration (PID io.vigie.detector). */
    public interface Store {
        /** Current properties, or null when there is no configuration yet (detector on defaults). */
        Map<String, Object> read() throws IOException;

        /** Replaces the properties. */
        void write(Map<String, Object> props) throws IOException;
    }

    private final Store store;
    private volatile Map<String, Object> inForce = SettingsRules.defaults();

    public SettingsService(Store store) {
        this.store = store;
    }

    /** Records the complete, normalised settings the detector now runs ({@link SettingsRules#effective}). */
    public void inForce(Map<String, Object> values) {
        inForce = Map.copyOf(values);
    }

    @Override
    public Map<String, Object> current() {
        Map<String, Object> out = new LinkedHashMap<>();
        Map<String, Object> now = inForce;
        for (String k : SettingsRules.RULES.keySet()) {
            Object v = now.get(k);
            out.put(k, v instanceof String[] a ? a.clone() : v);
        }
        out.put(SettingsRules.SOURCE_URI, maskCredentials((String) out.get(SettingsRules.SOURCE_URI)));
        return out;
    }

    @Override
    public Map<String, Object> validate(Map<String, ?> changes) {
        if (changes == null || changes.isEmpty())
            throw new IllegalArgumentException("no settings to change; keys: " + SettingsRules.RULES.keySet());
        for (String k : changes.keySet()) SettingsRules.rule(k); // refuses unknown keys before any value
        Map<String, Object> now = inForce;
        Map<String, Object> out = new LinkedHashMap<>();
        for (SettingsRules.Rule r : SettingsRules.RULES.values()) {
            if (!changes.containsKey(r.key())) continue;
            Object v = SettingsRules.normalise(r, changes.get(r.key()));
            // the masked URI handed out by current() coming back (a form posting every field) leaves the source as it is
            String uri = (String) now.get(SettingsRules.SOURCE_URI);
            if (r.key().equals(SettingsRules.SOURCE_URI) && v.equals(maskCredentials(uri)) && !v.equals(uri)) continue;
            out.put(r.key(), v);
        }
        Map<String, Object> merged = new HashMap<>(now);
        merged.putAll(out);
        SettingsRules.crossCheck(merged);
        return out;
    }

    @Override
    public synchronized Map<String, Object> apply(Map<String, ?> changes) throws IOException {
        Map<String, Object> out = validate(changes);
        if (out.isEmpty()) return out;
        Map<String, Object> stored = store.read();
        Map<String, Object> next = stored == null ? new HashMap<>() : new HashMap<>(stored);
        next.putAll(out);
        store.write(next);
        return out;
    }

    /** {@link SourceConfig#masked}: the one masking rule, owned by the video API. */
    public static String maskCredentials(String uri) {
        return SourceConfig.masked(uri);
    }
}
