package io.vigie.cloud.paho;

import java.nio.charset.StandardCharsets;

import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttActionListener;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MQTT 5 over Paho mqttv5 1.2.5, whose classes are embedded in this bundle (the published jar exports only
 * org.eclipse.paho.mqttv5.client, not the .common/.persist packages its API needs, and is signed). Same topics,
 * LWT, store and TLS as MQTT 3.1.1; differences: clean session maps to clean start + session expiry (0 when clean,
 * "never" otherwise), the request subscription uses No Local (our own BIRTH/replies do not come back), and a PUBACK
 * with a failure reason code is reported as refused.
 */
final class Mqtt5Transport implements MqttTransport {

    private static final Logger LOG = LoggerFactory.getLogger(Mqtt5Transport.class);
    private static final long SESSION_NEVER_EXPIRES = 0xFFFFFFFFL;

    private MqttAsyncClient c;

    @Override
    public void connect(CloudSettings s, String willTopic, byte[] willPayload, Events events) throws TransportException {
        try {
            c = new MqttAsyncClient(s.brokerUri, s.clientId, new MemoryPersistence());
            MqttConnectionOptions o = new MqttConnectionOptions();
            o.setCleanStart(s.cleanSession);
            o.setSessionExpiryInterval(s.cleanSession ? 0L : SESSION_NEVER_EXPIRES);
            o.setKeepAliveInterval(s.keepAliveS);
            o.setConnectionTimeout(s.connectTimeoutS);
            o.setReceiveMaximum(Math.min(65535, s.maxInflight));
            o.setAutomaticReconnect(false);
            if (!s.username.isEmpty()) {
                o.setUserName(s.username);
                o.setPassword(s.password.getBytes(StandardCharsets.UTF_8));
            }
            if (s.brokerUri.startsWith("ssl://")) {
                o.setSocketFactory(TlsSocketFactories.create(s.tlsCaPath, s.tlsCertPath, s.tlsKeyPath));
            }
            MqttMessage will = new MqttMessage(willPayload);
            will.setQos(1);
            o.setWill(willTopic, will);
            MqttTransport self = this;
            c.setCallback(new MqttCallback() {
                @Override
                public void disconnected(MqttDisconnectResponse r) {
                    events.connectionLost(self, r.getException() != null ? r.getException()
                            : new IllegalStateException("broker disconnected: reason " + r.getReturnCode() + " "
                                    + r.getReasonString()));
                }

                @Override
                public void mqttErrorOccurred(MqttException e) {
                    LOG.warn("MQTT 5 error: {}", e.getMessage());
                }

                @Override
                public void messageArrived(String topic, MqttMessage message) {
                    events.messageArrived(topic, message.getPayload());
                }

                @Override
                public void deliveryComplete(IMqttToken token) {
                    // per message, through the publish action listener
                }

                @Override
                public void connectComplete(boolean reconnect, String serverURI) {
                }

                @Override
                public void authPacketArrived(int reasonCode, MqttProperties properties) {
                }
            });
            c.connect(o).waitForCompletion(s.connectTimeoutS * 1000L + 1000);
        } catch (MqttException e) {
            throw new TransportException(e.getMessage(), e);
        } catch (Exception e) {
            throw new TransportException(e.toString(), e);
        }
    }

    @Override
    public boolean subscribe(String filter, int qos) throws TransportException {
        try {
            MqttSubscription sub = new MqttSubscription(filter, qos);
            sub.setNoLocal(true);
            IMqttToken t = c.subscribe(sub);
            t.waitForCompletion(10_000);
            int[] codes = t.getReasonCodes();
            return codes == null || codes.length == 0 || codes[0] < 0x80;
        } catch (MqttException e) {
            throw new TransportException(e.getMessage(), e);
        }
    }

    @Override
    public void publish(String topic, byte[] payload, int qos, boolean retain, Completion done)
            throws TransportException {
        try {
            c.publish(topic, payload, qos, retain, null, new MqttActionListener() {
                @Override
                public void onSuccess(IMqttToken token) {
                    int[] codes = token.getReasonCodes();
                    if (codes != null && codes.length > 0 && codes[0] >= 0x80) {
                        done.refused(codes[0]);
                    } else {
                        done.confirmed();
                    }
                }

                @Override
                public void onFailure(IMqttToken token, Throwable t) {
                    LOG.debug("publish on {} not confirmed: {}", topic, t == null ? "?" : t.getMessage());
                }
            });
        } catch (MqttException e) {
            throw new TransportException(e.getMessage(), e);
        }
    }

    @Override
    public void publishAndWait(String topic, byte[] payload, int qos, long timeoutMs) throws TransportException {
        try {
            c.publish(topic, payload, qos, false).waitForCompletion(timeoutMs);
        } catch (MqttException e) {
            throw new TransportException(e.getMessage(), e);
        }
    }

    @Override
    public boolean isConnected() {
        return c != null && c.isConnected();
    }

    @Override
    public void disconnect(boolean clean) {
        try {
            if (c != null && c.isConnected()) {
                if (clean) {
                    c.disconnect(2000).waitForCompletion(3000);
                } else {
                    c.disconnectForcibly(0, 1000, false);
                }
            }
        } catch (MqttException e) {
            LOG.debug("disconnect: {}", e.getMessage());
        }
    }

    @Override
    public void close() {
        if (c == null) {
            return;
        }
        try {
            c.close(true);
        } catch (MqttException e) {
            LOG.debug("close: {}", e.getMessage());
        }
    }
}
