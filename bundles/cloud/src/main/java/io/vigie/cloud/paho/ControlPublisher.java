package io.vigie.cloud.paho;

import org.eclipse.kura.message.KuraPayload;

/** Stores a message for a full {@code $EDC/...} topic (replies, notifications) in the store-and-forward queue. */
public interface ControlPublisher {

    /** Returns the store id; bad topic/qos/size → {@link IllegalArgumentException}, nothing stored. */
    String publishControl(String topic, KuraPayload payload, int qos, int priority) throws MessageStore.StoreException;
}
