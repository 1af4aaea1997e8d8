package io.vigie.cloud.paho;

import org.eclipse.paho.client.mqttv3.IMqttActionListener;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.IMqttToken;
import org.eclipse.paho.client.mqttv3.MqttAsyncClient;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** MQTT 3.1.1 over Paho mqttv3 (an OSGi bundle as published, imported). */
final class Mqtt3Transport implements MqttTransport {

    private static final Logger LOG = LoggerFactory.getLogger(Mqtt3Transport.class);

    private MqttAsyncClient c;

    @Override
    public void connect(CloudSettings s, String willTopic, byte[] willPayload, Events events) throws TransportException {
        try {
            c = new MqttAsyncClient(s.brokerUri, s.clientId, new MemoryPersistence());
            MqttConnectOptions o = new MqttConnectOptions();
            o.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
            o.setCleanSession(s.cleanSession);
            o.setKeepAliveInterval(s.keepAliveS);
            o.setConnectionTimeout(s.connectTimeoutS);
            o.setMaxInflight(s.maxInflight);
            o.setAutomaticReconnect(false); // the forwarder reconnects itself, with a new client
            if (!s.username.isEmpty()) {
                o.setUserName(s.username);
                o.setPassword(s.password.toCharArray());
            }
            if (s.brokerUri.startsWith("ssl://")) {
                o.setSocketFactory(TlsSocketFactories.create(s.tlsCaPath, s.tlsCertPath, s.tlsKeyPath));
            }
            o.setWill(willTopic, willPayload, 1, false);
            MqttTransport self = this;
            c.setCallback(new MqttCallback() {
                @Override
                public void connectionLost(Throwable cause) {
                    events.connectionLost(self, cause);
                }

                @Override
                public void messageArrived(String topic, MqttMessage message) {
                    events.messageArrived(topic, message.getPayload());
                }

                @Override
                public void deliveryComplete(IMqttDeliveryToken token) {
                    // per message, through the publish action listener
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
            IMqttToken t = c.subscribe(filter, qos);
            t.waitForCompletion(10_000);
            int[] granted = t.getGrantedQos();
            return granted == null || granted.length == 0 || granted[0] <= 2;
        } catch (MqttException e) {
            throw new TransportException(e.getMessage(), e);
        }
    }

    @Override
    public void publish(String topic, byte[] payload, int qos, boolean retain, Completion done)
            throws TransportException {
        try {
            c.publish(topic, payload, qos, retain, null, new IMqttActionListener() {
                @Override
                public void onSuccess(IMqttToken token) {
                    done.confirmed();
                }

                @Override
                public void onFailure(IMqttToken token, Throwable t) {
                    // stays in flight until the connection is declared lost, then is re-sent
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
