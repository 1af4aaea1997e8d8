package io.vigie.cloud.paho;

import java.util.Map;

import org.eclipse.kura.KuraErrorCode;
import org.eclipse.kura.KuraException;
import org.eclipse.kura.cloudconnection.listener.CloudConnectionListener;
import org.eclipse.kura.cloudconnection.listener.CloudDeliveryListener;
import org.eclipse.kura.cloudconnection.message.KuraMessage;
import org.eclipse.kura.cloudconnection.publisher.CloudNotificationPublisher;

/**
 * Kura's notification publisher for request handlers (e.g. DEPLOY-V2 download progress): message properties
 * {@code appId}, {@code messageType}, {@code requestorClientId} (Strings, required) give the topic
 * {@code $EDC/account/requestorClientId/appId/NOTIFY/clientId/messageType}. Optional {@code qos} (0|1, default 1) and
 * {@code priority} (default 0, the replies' priority, so a request's notifications and reply leave in the order the
 * handler produced them). Stored durably like every other message.
 */
public final class NotificationPublisher implements CloudNotificationPublisher {

    public static final String APP_ID = "appId", MESSAGE_TYPE = "messageType", REQUESTOR = "requestorClientId";

    private final CloudSettings s;
    private final MqttForwarder forwarder;

    public NotificationPublisher(CloudSettings settings, MqttForwarder forwarder) {
        this.s = settings;
        this.forwarder = forwarder;
    }

    /** The topic for these properties; {@link IllegalArgumentException} naming the bad property. */
    public String topic(Map<String, Object> props) {
        String app = level(props, APP_ID), type = level(props, MESSAGE_TYPE), requestor = level(props, REQUESTOR);
        return "$EDC/" + s.accountName + "/" + requestor + "/" + app + "/NOTIFY/" + s.clientId + "/" + type;
    }

    private static String level(Map<String, Object> props, String key) {
        Object v = props.get(key);
        if (!(v instanceof String) || !CloudSettings.isTopicLevel((String) v)) {
            throw new IllegalArgumentException("notification property '" + key
                    + "' is required: a non-empty String without '/', '+', '#' (got "
                    + (v == null ? "nothing" : v.getClass().getSimpleName() + " '" + v + "'") + ")");
        }
        return (String) v;
    }

    @Override
    public String publish(KuraMessage message) throws KuraException {
        if (message == null || message.getPayload() == null) {
            throw new KuraException(KuraErrorCode.INVALID_MESSAGE_EXCEPTION, "message or payload is null");
        }
        Map<String, Object> p = message.getProperties();
        try {
            int qos = intProp(p, "qos", 1);
            int priority = intProp(p, "priority", RequestDispatcher.REPLY_PRIORITY);
            return forwarder.publishControl(topic(p), message.getPayload(), qos, priority);
        } catch (IllegalArgumentException e) {
            throw new KuraException(KuraErrorCode.INVALID_MESSAGE_EXCEPTION, e, e.getMessage());
        } catch (MessageStore.StoreException e) {
            throw new KuraException(KuraErrorCode.STORE_ERROR, e, e.getMessage());
        }
    }

    /** An optional numeric message property ({@code qos}, {@code priority}); shared with the data publisher. */
    public static int intProp(Map<String, Object> p, String key, int dflt) {
        Object v = p.get(key);
        if (v == null) {
            return dflt;
        }
        if (v instanceof Number) {
            return ((Number) v).intValue();
        }
        throw new IllegalArgumentException("message property '" + key + "' must be a number, got "
                + v.getClass().getName());
    }

    @Override
    public void registerCloudConnectionListener(CloudConnectionListener l) {
        forwarder.addConnectionListener(l);
    }

    @Override
    public void unregisterCloudConnectionListener(CloudConnectionListener l) {
        forwarder.removeConnectionListener(l);
    }

    @Override
    public void registerCloudDeliveryListener(CloudDeliveryListener l) {
        forwarder.addDeliveryListener(l);
    }

    @Override
    public void unregisterCloudDeliveryListener(CloudDeliveryListener l) {
        forwarder.removeDeliveryListener(l);
    }
}
