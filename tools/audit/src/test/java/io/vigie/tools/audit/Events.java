package io.vigie.tools.audit;

import java.util.HashMap;
import java.util.Map;

import io.vigie.api.ota.OtaTopics;

/** Telemetry messages of OTA events as a gateway sends them (metrics of the KuraPayload, see bundles/telemetry). */
final class Events {
    static final String GW = "gw-1";
    static final String PKG = "io.vigie.model.ssd-mobilenet-v2.int8";
    static final String DP_SHA = "ab".repeat(32);
    static final String MODEL_SHA = "cd".repeat(32);
    static final long T0 = 1_765_000_000_000L;

    private Events() {
    }

    static String topic(String gateway) {
        return "acme/" + gateway + "/VIGIE/model";
    }

    static Map<String, Object> installed(String version, String sha, long at) {
        Map<String, Object> m = new HashMap<>();
        m.put("type", "OTA_INSTALLED");
        m.put(OtaTopics.NAME, PKG);
        m.put(OtaTopics.VERSION, version);
        m.put(OtaTopics.SHA256, sha);
        m.put(OtaTopics.INSTALLED_AT, at);
        m.put(OtaTopics.WATCHED, true);
        m.put(OtaTopics.BUNDLES, "io.vigie.model.ssd-mobilenet-v2.int8");
        model(m, version);
        return m;
    }

    static void model(Map<String, Object> m, String version) {
        m.put(OtaTopics.MODEL, "ssd-mobilenet-v2/INT8/" + version + "@cdcdcdcd");
        m.put(OtaTopics.MODEL_NAME, "ssd-mobilenet-v2");
        m.put(OtaTopics.MODEL_PRECISION, "INT8");
        m.put(OtaTopics.MODEL_VERSION, version);
        m.put(OtaTopics.MODEL_SHA256, MODEL_SHA);
    }

    static Map<String, Object> healthy(String version, String sha, long installedAt, long at) {
        Map<String, Object> m = new HashMap<>();
        m.put("type", "OTA_HEALTHY");
        m.put(OtaTopics.NAME, PKG);
        m.put(OtaTopics.VERSION, version);
        m.put(OtaTopics.SHA256, sha);
        m.put(OtaTopics.STATE, "HEALTHY");
        m.put(OtaTopics.REASON, "healthy: 120 frames, p95 40 ms");
        m.put(OtaTopics.INSTALLED_AT, installedAt);
        m.put(OtaTopics.VERDICT_AT, at);
        model(m, version);
        return m;
    }

    static Map<String, Object> rollback(String version, String sha, long installedAt, long at) {
        Map<String, Object> m = healthy(version, sha, installedAt, at);
        m.put("type", "OTA_ROLLBACK");
        m.put(OtaTopics.STATE, "ROLLED_BACK");
        m.put(OtaTopics.REASON, "the detector refused the model: no person label");
        m.put(OtaTopics.RESTORED_VERSION, "1.0.0");
        m.put(OtaTopics.UNINSTALLED_FLAG, false);
        m.put(OtaTopics.JOB_ID, 7L);
        return m;
    }
}
