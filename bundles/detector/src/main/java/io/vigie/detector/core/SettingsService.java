package io.vigie.detector.core;

import java.io.IOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import io.vigie.api.detect.DetectorSettingsService;

/**
 * {@link DetectorSettingsService} over the detector's stored configuration: changes are checked with
 * {@link SettingsRules} against the settings in force, then merged into the store (ConfigurationAdmin
 * in the glue), from where the detector applies them live and reports them back with {@link #inForce}.
 */
public final class SettingsService implements DetectorSettingsService {
    /** Shown instead of the password (or the lone user/token) of a source URI. */
    public static final String MASK = "***";

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

    /** {@code rtsp://user:pw@host/x} → {@code rtsp://user:***@host/x}; a lone user or token is masked whole. */
    public static String maskCredentials(String uri) {
        int scheme = uri.indexOf("://");
        if (scheme < 0) return uri;
        int start = scheme + 3;
        int end = start;
        while (end < uri.length() && "/?#".indexOf(uri.charAt(end)) < 0) end++;
        int at = uri.lastIndexOf('@', end - 1);
        if (at < start) return uri;
        int colon = uri.indexOf(':', start);
        String user = colon >= 0 && colon < at ? uri.substring(start, colon + 1) : "";
        return uri.substring(0, start) + user + MASK + uri.substring(at);
    }
}
