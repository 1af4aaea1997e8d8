package io.vigie.cloud.paho;

/**
 * One MQTT connection (a fresh Paho client per connection, in-memory persistence), behind which the forwarder does not
 * care whether it speaks MQTT 3.1.1 (Paho mqttv3) or MQTT 5 (Paho mqttv5, embedded in this bundle). Paho's checked
 * exceptions differ per version; everything is reported as {@link TransportException}.
 */
interface MqttTransport {

    String MQTT_311 = "mqtt-3.1.1", MQTT_5 = "mqtt-5";

    /** Called from Paho's threads. */
    interface Events {
        void connectionLost(MqttTransport which, Throwable cause);

        void messageArrived(String topic, byte[] payload);
    }

    /** Completion of one publish: confirmed (PUBACK for QoS 1) or, MQTT 5 only, refused by the broker. */
    interface Completion {
        void confirmed();

        /** MQTT 5 PUBACK with a failure reason code (>= 0x80): the broker will never take this message. */
        void refused(int reasonCode);
    }

    final class TransportException extends Exception {
        private static final long serialVersionUID = 1L;

        TransportException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Connects (blocking, up to the configured timeout) with the LWT set. */
    void connect(CloudSettings s, String willTopic, byte[] willPayload, Events events) throws TransportException;

    /** Subscribes and waits; returns false when the broker refused the subscription. */
    boolean subscribe(String filter, int qos) throws TransportException;

    void publish(String topic, byte[] payload, int qos, boolean retain, Completion done) throws TransportException;

    void publishAndWait(String topic, byte[] payload, int qos, long timeoutMs) throws TransportException;

    boolean isConnected();

    /** Clean: DISCONNECT packet (no LWT); otherwise the socket is dropped (the broker publishes the LWT). */
    void disconnect(boolean clean);

    void close();

    static MqttTransport create(String protocol) {
        if (MQTT_5.equals(protocol)) {
            return new Mqtt5Transport();
        }
        if (MQTT_311.equals(protocol)) {
            return new Mqtt3Transport();
        }
        throw new IllegalArgumentException("protocol must be " + MQTT_311 + " or " + MQTT_5 + ", got '" + protocol + "'");
    }
}
