package io.vigie.cloud.paho;

import java.nio.file.Path;

/** Plain settings of the MQTT connection, filled from the component's configuration (or by tests). */
public final class CloudSettings {
    public String brokerUri = "tcp://127.0.0.1:1883";
    public String clientId = "vigie-gateway";
    public String accountName = "vigie";
    public String appId = "VIGIE";
    /** App topic used when a message has no "topic" property. */
    public String defaultAppTopic = "events";
    public int defaultQos = 1;
    public int defaultPriority = 5;
    public String username = "";
    public String password = "";
    public int keepAliveS = 30;
    public boolean cleanSession = true;
    public String tlsCaPath = "";
    public String tlsCertPath = "";
    public String tlsKeyPath = "";
    public Path storePath;
    public int storeCapacity = 100_000;
    public long storeMaxAgeS = 7 * 24 * 3600;
    /** Maximum messages per second sent to the broker (0: unlimited). Messages wait in the store, never dropped. */
    public double rateLimitPerS = 0;
    public int maxInflight = 100;
    /** Encoded messages larger than this are refused at publish (nothing stored). */
    public int maxMessageBytes = 1024 * 1024;
    public boolean gzip = true;
    /** "kura-protobuf" (default) or "simple-json". */
    public String payloadEncoding = "kura-protobuf";
    /** Inbound requests larger than this (raw or inflated) are refused with a 400 reply. */
    public int maxRequestBytes = 1024 * 1024;
    /** Worker threads running request handlers (a handler may run for minutes, e.g. a download). */
    public int requestThreads = 2;
    /** Requests waiting for a worker; beyond this a request gets a 500 "busy" reply. */
    public int requestQueueSize = 32;
    /** "mqtt-3.1.1" (default) or "mqtt-5". */
    public String protocol = "mqtt-3.1.1";
    public long reconnectMinMs = 1000;
    public long reconnectMaxMs = 60_000;
    public int connectTimeoutS = 10;

    /** Fails with a clear message on a setting that cannot work; changes nothing. */
    public void validate() {
        if (brokerUri == null || !(brokerUri.startsWith("tcp://") || brokerUri.startsWith("ssl://"))) {
            throw new IllegalArgumentException("broker.uri must start with tcp:// or ssl://, got '" + brokerUri + "'");
        }
        for (String[] kv : new String[][] { { "client.id", clientId }, { "account.name", accountName },
                { "app.id", appId } }) {
            if (kv[1] == null || kv[1].isEmpty() || kv[1].matches(".*[/+#].*")) {
                throw new IllegalArgumentException(kv[0] + " must be non-empty without '/', '+' or '#', got '" + kv[1]
                        + "'");
            }
        }
        if (defaultQos < 0 || defaultQos > 1) {
            throw new IllegalArgumentException("qos must be 0 or 1, got " + defaultQos);
        }
        if (keepAliveS < 0 || maxMessageBytes <= 0 || storeCapacity <= 0 || maxInflight <= 0 || rateLimitPerS < 0) {
            throw new IllegalArgumentException("keep.alive.s >= 0, store.capacity > 0, max.inflight > 0,"
                    + " max.message.bytes > 0 and rate.limit >= 0 are required");
        }
        if (maxRequestBytes <= 0 || requestThreads <= 0 || requestQueueSize <= 0) {
            throw new IllegalArgumentException("max.request.bytes, request.threads and request.queue.size must be > 0");
        }
        if (!"kura-protobuf".equals(payloadEncoding) && !"simple-json".equals(payloadEncoding)) {
            throw new IllegalArgumentException("payload.encoding must be kura-protobuf or simple-json, got '"
                    + payloadEncoding + "'");
        }
        if (!"mqtt-3.1.1".equals(protocol) && !"mqtt-5".equals(protocol)) {
            throw new IllegalArgumentException("protocol must be mqtt-3.1.1 or mqtt-5, got '" + protocol + "'");
        }
        if (storePath == null) {
            throw new IllegalArgumentException("store.path is required");
        }
    }

    String dataTopic(String appTopic) {
        return accountName + "/" + clientId + "/" + appId + "/" + appTopic;
    }

    String controlTopic(String suffix) {
        return "$EDC/" + accountName + "/" + clientId + "/MQTT/" + suffix;
    }

    /** Inbound requests for this gateway: $EDC/account/client/appId/method/resource... */
    String requestFilter() {
        return "$EDC/" + accountName + "/" + clientId + "/+/+/#";
    }

    /** True when {@code s} can be one topic level: non-empty, no '/', '+', '#'. */
    static boolean isTopicLevel(String s) {
        return s != null && !s.isEmpty() && s.indexOf('/') < 0 && s.indexOf('+') < 0 && s.indexOf('#') < 0;
    }
}
