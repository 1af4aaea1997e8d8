package io.vigie.detector.osgi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Dictionary;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.osgi.service.cm.Configuration;
import org.osgi.service.cm.ConfigurationAdmin;

import io.vigie.detector.core.SettingsRules;
import io.vigie.detector.core.SettingsService;

/** The settings service over ConfigurationAdmin (an in-process fake holding one configuration). */
class SettingsServiceTest {
    /** What ConfigurationAdmin holds for io.vigie.detector; null = no configuration. */
    Hashtable<String, Object> stored;
    final List<Dictionary<String, Object>> updates = new ArrayList<>();
    ConfigurationAdmin cm;
    SettingsService service;

    @BeforeEach
    void setUp() {
        stored = new Hashtable<>(Map.of("service.pid", DetectorComponent.PID, "felix.fileinstall.filename",
                "file:/conf/io.vigie.detector.config", "source.uri", "rtsp://cam:s3cret@10.0.0.7:554/live",
                "score.threshold", "0.5", "zones", new String[] { "floor:0,0.25;1,0.25;1,1;0,1" }));
        Configuration config = (Configuration) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] { Configuration.class }, (proxy, m, args) -> switch (m.getName()) {
                    case "getProperties" -> stored == null ? null : new Hashtable<>(stored);
                    case "update" -> {
                        @SuppressWarnings("unchecked")
                        Dictionary<String, Object> d = (Dictionary<String, Object>) args[0];
                        updates.add(d);
                        stored = new Hashtable<>();
                        for (String k : Collections.list(d.keys())) stored.put(k, d.get(k));
                        stored.put("service.pid", DetectorComponent.PID);
                        yield null;
                    }
                    default -> throw new UnsupportedOperationException(m.getName());
                });
        cm = (ConfigurationAdmin) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] { ConfigurationAdmin.class }, (proxy, m, args) -> switch (m.getName()) {
                    case "listConfigurations" -> {
                        assertEquals("(service.pid=io.vigie.detector)", args[0]);
                        yield stored == null ? null : new Configuration[] { config };
                    }
                    case "getConfiguration" -> {
                        assertEquals(List.of(DetectorComponent.PID, "?"), List.of(args));
                        yield config;
                    }
                    default -> throw new UnsupportedOperationException(m.getName());
                });
        service = new SettingsService(new CmSettingsStore(() -> cm));
        // what the detector does with the stored configuration on activation
        service.inForce(SettingsRules.effective(toMap(stored)));
    }

    @Test
    void currentGivesEveryKeyWithDefaultsAndHidesCredentials() {
        Map<String, Object> c = service.current();
        assertEquals(SettingsRules.RULES.keySet(), c.keySet());
        assertEquals("rtsp://cam:***@10.0.0.7:554/live", c.get("source.uri"));
        assertEquals(0.5f, c.get("score.threshold"));
        assertEquals(2, c.get("threads"));
        assertEquals(1000L, c.get("dwell.ms"));
        assertArrayEquals(new String[] { "person" }, (String[]) c.get("classes"));
        assertArrayEquals(new String[] { "floor:0,0.25;1,0.25;1,1;0,1" }, (String[]) c.get("zones"));
        ((String[]) c.get("zones"))[0] = "changed";
        assertEquals("floor:0,0.25;1,0.25;1,1;0,1", ((String[]) service.current().get("zones"))[0], "a copy");
    }

    @Test
    void credentialsAreMaskedInEveryUriForm() {
        assertEquals("rtsp://admin:***@cam/s", SettingsService.maskCredentials("rtsp://admin:p@ss@cam/s"));
        assertEquals("http://***@cam:80/x?u=a@b", SettingsService.maskCredentials("http://token@cam:80/x?u=a@b"));
        assertEquals("rtsp://cam/live", SettingsService.maskCredentials("rtsp://cam/live"));
        assertEquals("/videos/a@b.avi", SettingsService.maskCredentials("/videos/a@b.avi"));
        assertEquals("file:/videos/a@b.avi", SettingsService.maskCredentials("file:/videos/a@b.avi"));
    }

    @Test
    void validateNormalisesInKeyOrderAndWritesNothing() {
        Map<String, Object> change = new LinkedHashMap<>();
        change.put("zones", "door:0,0;1,0;1,1|");
        change.put("threads", 4L);
        change.put("score.threshold", 0.65);
        change.put("model.precision", "fp32");
        Map<String, Object> out = service.validate(change);
        assertEquals(List.of("model.precision", "threads", "score.threshold", "zones"), List.copyOf(out.keySet()));
        assertEquals("FP32", out.get("model.precision"));
        assertEquals(4, out.get("threads"));
        assertEquals(0.65f, out.get("score.threshold"));
        assertArrayEquals(new String[] { "door:0,0;1,0;1,1" }, (String[]) out.get("zones"));
        assertTrue(updates.isEmpty());
    }

    @Test
    void applyMergesIntoTheStoredConfigurationAndKeepsTheRest() throws IOException {
        Map<String, Object> out = service.apply(Map.of("score.threshold", 0.65, "dwell.ms", 700));
        assertEquals(Map.of("score.threshold", 0.65f, "dwell.ms", 700L), out);
        assertEquals(1, updates.size());
        Dictionary<String, Object> d = updates.get(0);
        assertEquals(0.65f, d.get("score.threshold"));
        assertEquals(700L, d.get("dwell.ms"));
        assertEquals("rtsp://cam:s3cret@10.0.0.7:554/live", d.get("source.uri"), "the real URI stays stored");
        assertEquals("file:/conf/io.vigie.detector.config", d.get("felix.fileinstall.filename"));
        assertEquals(null, d.get("service.pid"), "set by ConfigurationAdmin itself");
    }

    @Test
    void applyCreatesTheConfigurationWhenThereIsNone() throws IOException {
        stored = null;
        service.apply(Map.of("zones", new String[] { "a:0,0;1,0;1,1" }));
        assertArrayEquals(new String[] { "a:0,0;1,0;1,1" }, (String[]) stored.get("zones"));
    }

    @Test
    void theMaskedUriComingBackLeavesTheSourceAlone() throws IOException {
        Map<String, Object> form = new HashMap<>(service.current());
        form.put("dwell.ms", 600L);
        Map<String, Object> out = service.apply(form);
        assertEquals(false, out.containsKey("source.uri"));
        assertEquals("rtsp://cam:s3cret@10.0.0.7:554/live", stored.get("source.uri"));
        assertEquals(600L, stored.get("dwell.ms"));
        service.apply(Map.of("source.uri", "rtsp://cam:n3w@10.0.0.7:554/live"));
        assertEquals("rtsp://cam:n3w@10.0.0.7:554/live", stored.get("source.uri"), "a new password is a change");
    }

    @Test
    void anyBadKeyRefusesTheWholeChangeAndNothingIsWritten() {
        assertRefused("threads '99' must be 1..16", Map.of("score.threshold", 0.6, "threads", 99));
        assertRefused("unknown key 'nope'", Map.of("score.threshold", 0.6, "nope", 1));
        assertRefused("zones: zone 'bad' edges cross each other", Map.of("zones", "bad:0,0;1,1;1,0;0,1"));
        assertRefused("source.reconnect.max.ms '100' must be >= source.reconnect.min.ms (500)",
                Map.of("source.reconnect.max.ms", 100));
        assertRefused("no settings to change", Map.of());
        assertRefused("no settings to change", null);
        assertTrue(updates.isEmpty());
    }

    @Test
    void withoutConfigurationAdminApplyFailsAndValidateStillWorks() {
        cm = null;
        assertEquals(Map.of("dwell.ms", 5L), service.validate(Map.of("dwell.ms", 5)));
        IOException e = assertThrows(IOException.class, () -> service.apply(Map.of("dwell.ms", 5)));
        assertTrue(e.getMessage().contains("ConfigurationAdmin"), e.getMessage());
    }

    private void assertRefused(String expected, Map<String, ?> change) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> service.apply(change));
        assertTrue(e.getMessage().startsWith(expected), e.getMessage());
    }

    /** Dictionary to map, as the component receives its configuration. */
    static Map<String, Object> toMap(Dictionary<String, Object> d) {
        Map<String, Object> m = new HashMap<>();
        for (String k : Collections.list(d.keys())) m.put(k, d.get(k));
        return m;
    }
}
