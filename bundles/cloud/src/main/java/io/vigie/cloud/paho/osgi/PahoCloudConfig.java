package io.vigie.cloud.paho.osgi;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;

@ObjectClassDefinition(id = PahoCloudPublisher.PID, name = "Vigie cloud connection (MQTT)",
        description = "Kura CloudPublisher for the standalone runtime: Paho MQTT 3.1.1 or 5, KuraPayload protobuf,"
                + " durable store-and-forward. Any change restarts the connection; stored messages are kept.")
public @interface PahoCloudConfig {

    @AttributeDefinition(name = "Broker URI", description = "tcp://host:1883 or ssl://host:8883")
    String broker_uri() default "tcp://127.0.0.1:1883";

    @AttributeDefinition(name = "MQTT protocol", description = "MQTT 3.1.1 (Paho mqttv3) or MQTT 5 (Paho mqttv5);"
            + " same topics, LWT, store and TLS",
            options = { @Option(label = "MQTT 3.1.1", value = "mqtt-3.1.1"), @Option(label = "MQTT 5", value = "mqtt-5") })
    String protocol() default "mqtt-3.1.1";

    @AttributeDefinition(name = "Client id", description = "MQTT client id, also the client segment of every topic")
    String client_id() default "vigie-gateway";

    @AttributeDefinition(name = "Account", description = "Account (Kapua-style) segment of every topic")
    String account_name() default "vigie";

    @AttributeDefinition(name = "Application id", description = "Data topics: account/client/appId/topic")
    String app_id() default "VIGIE";

    @AttributeDefinition(name = "Default topic", description = "App topic for messages without a 'topic' property")
    String app_topic() default "events";

    @AttributeDefinition(name = "Default QoS", description = "0 or 1, for messages without a 'qos' property",
            min = "0", max = "1")
    int qos() default 1;

    @AttributeDefinition(name = "Default priority",
            description = "0 is the most important (Kura's convention); for messages without a 'priority' property",
            min = "0")
    int priority() default 5;

    @AttributeDefinition(name = "Username", required = false)
    String username() default "";

    @AttributeDefinition(name = "Password", type = AttributeType.PASSWORD, required = false)
    String password() default "";

    @AttributeDefinition(name = "Keep-alive (s)", min = "0")
    int keep_alive_s() default 30;

    @AttributeDefinition(name = "Clean session")
    boolean clean_session() default true;

    @AttributeDefinition(name = "TLS CA certificate (PEM path)", required = false,
            description = "Empty: the JVM's trust store")
    String tls_ca_path() default "";

    @AttributeDefinition(name = "TLS client certificate (PEM path)", required = false)
    String tls_cert_path() default "";

    @AttributeDefinition(name = "TLS client key (PKCS#8 PEM path)", required = false)
    String tls_key_path() default "";

    @AttributeDefinition(name = "Store folder", required = false,
            description = "Empty: ${vigie.data}/cloud/store (or the bundle's data area)")
    String store_path() default "";

    @AttributeDefinition(name = "Store capacity (messages)", min = "1")
    int store_capacity() default 100000;

    @AttributeDefinition(name = "Store max age (s)", description = "Older messages are dropped (0: never)", min = "0")
    long store_max_age_s() default 604800;

    @AttributeDefinition(name = "Rate limit (messages/s)",
            description = "Maximum send rate to the broker, 0 for none; excess waits in the store", min = "0")
    double rate_limit() default 0;

    @AttributeDefinition(name = "Max in-flight", description = "Unconfirmed QoS 1 messages at a time", min = "1")
    int max_inflight() default 100;

    @AttributeDefinition(name = "Payload encoding", description = "Kura protobuf (KuraPayload), or simple JSON"
            + " {sentOn, position, metrics, body (base64)} for platforms without protobuf",
            options = { @Option(label = "Kura protobuf", value = "kura-protobuf"),
                    @Option(label = "Simple JSON", value = "simple-json") })
    String payload_encoding() default "kura-protobuf";

    @AttributeDefinition(name = "Max message size (bytes)",
            description = "Encoded messages above this are refused at publish, nothing stored", min = "1")
    int max_message_bytes() default 1048576;

    @AttributeDefinition(name = "Max request size (bytes)", min = "1",
            description = "Inbound requests ($EDC/account/client/appId/METHOD/...) above this, raw or inflated, get a 400 reply")
    int max_request_bytes() default 1048576;

    @AttributeDefinition(name = "Request worker threads", min = "1",
            description = "Request handlers run on these threads (one may run for minutes, e.g. a download)")
    int request_threads() default 2;

    @AttributeDefinition(name = "Request queue size", min = "1",
            description = "Requests waiting for a worker; beyond this a request gets a 500 'busy' reply")
    int request_queue_size() default 32;

    @AttributeDefinition(name = "Gzip payloads", description = "Gzip a payload when that makes it smaller")
    boolean gzip() default true;
}
