package io.vigie.cloud.paho;

/** One row of the {@link MessageStore}: an encoded MQTT message waiting for the broker's confirmation. */
public final class StoredMessage {
    public final long id;
    public final String topic;
    public final byte[] payload;
    public final int qos;
    public final boolean retain;
    public final int priority;
    public final long createdMs;

    public StoredMessage(long id, String topic, byte[] payload, int qos, boolean retain, int priority, long createdMs) {
        this.id = id;
        this.topic = topic;
        this.payload = payload;
        this.qos = qos;
        this.retain = retain;
        this.priority = priority;
        this.createdMs = createdMs;
    }

    @Override
    public String toString() {
        return "StoredMessage[id=" + id + ", topic=" + topic + ", qos=" + qos + ", priority=" + priority + ", "
                + payload.length + " B]";
    }
}
