package io.vigie.api.detect;

import java.io.IOException;
import java.util.Map;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The one owner of the detector's settings rules, registered by the detector. Every way of changing
 * the detector (the Kura web console form, MQTT config commands, the dashboard) validates through
 * this service, so they cannot drift apart: the metatype ranges, the refusal messages and what the
 * detector finally accepts come from the same code.
 * <p>
 * Keys are the detector's configuration property names (e.g. {@code score.threshold},
 * {@code zones}); values are plain types: String, Boolean, Number, String[] (a zone list may also be
 * one String with zones separated by '|' or newlines, a label list one String separated by ',').
 */
@ProviderType
public interface DetectorSettingsService {
    /**
     * The settings in force, every key with its effective value (defaults filled in), typed as the
     * configuration holds them. Secrets (credentials in a source URI) are never returned in clear.
     */
    Map<String, Object> current();

    /**
     * Checks a partial change against the running settings with the detector's own rules. Nothing is changed.
     *
     * @return the normalised, typed values that {@link #apply} would write, in key order
     * @throws IllegalArgumentException naming the first bad key and what it must be
     */
    Map<String, Object> validate(Map<String, ?> changes);

    /**
     * Validates the change as {@link #validate} does, then stores it in the detector's configuration,
     * which the detector applies live.
     *
     * @return the normalised values written
     * @throws IllegalArgumentException as {@link #validate}; nothing is written
     * @throws IOException when the configuration could not be stored
     */
    Map<String, Object> apply(Map<String, ?> changes) throws IOException;
}
