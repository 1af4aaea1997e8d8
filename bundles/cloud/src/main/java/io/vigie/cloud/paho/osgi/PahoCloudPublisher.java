package io.vigie.cloud.paho.osgi;

import java.nio.file.Path;
import java.util.Map;

import org.eclipse.kura.KuraErrorCode;
import org.eclipse.kura.KuraException;
import org.eclipse.kura.cloudconnection.listener.CloudConnectionListener;
import org.eclipse.kura.cloudconnection.listener.CloudDeliveryListener;
import org.eclipse.kura.cloudconnection.message.KuraMessage;
import org.eclipse.kura.cloudconnection.publisher.CloudNotificationPublisher;
import org.eclipse.kura.cloudconnection.publisher.CloudPublisher;
import org.eclipse.kura.cloudconnection.request.RequestHandler;
import org.eclipse.kura.cloudconnection.request.RequestHandlerRegistry;
import org.eclipse.kura.configuration.ConfigurableComponent;
import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.vigie.cloud.paho.CloudSettings;
import io.vigie.cloud.paho.KuraPayloadCodec;
import io.vigie.cloud.paho.MessageStore;
import io.vigie.cloud.paho.MqttForwarder;
import io.vigie.cloud.paho.NotificationPublisher;
import io.vigie.cloud.paho.RequestDispatcher;

/**
 * Kura {@link CloudPublisher} over Paho for the standalone runtime (inside Kura, Kura's own cloud connection provides
 * CloudPublisher). Needs a configuration (conf/io.vigie.cloud.paho.config): without one there is no cloud publisher and
 * nothing connects anywhere. Message properties override the defaults: {@code topic} (String, app topic), {@code qos} (0|1),
 * {@code retain} (Boolean), {@code priority} (int, 0 = most important). No {@code @Modified}: a configuration change
 * restarts the component, which keeps the store on disk.
 *
 * <p>Also the Kura {@link RequestHandlerRegistry} of this connection: handlers (DEPLOY-V2, ...) register under their
 * app id, before or after the connection is up, and are called for {@code $EDC/account/client/appId/METHOD/...}
 * requests (see {@link RequestDispatcher}). The {@link CloudNotificationPublisher} service is
 * {@link PahoCloudNotificationPublisher}, which binds to this component through its implementation class (registered
 * as a service for that purpose only; the package is private).
 */
@Designate(ocd = PahoCloudConfig.class)
@Component(name = PahoCloudPublisher.PID, configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = { CloudPublisher.class, ConfigurableComponent.class, RequestHandlerRegistry.class,
                PahoCloudPublisher.class },
        property = "service.pid=" + PahoCloudPublisher.PID)
public class PahoCloudPublisher implements CloudPublisher, ConfigurableComponent, RequestHandlerRegistry {
    public static final String PID = "io.vigie.cloud.paho";
    private static final Logger LOG = LoggerFactory.getLogger(PahoCloudPublisher.class);

    private final CloudSettings settings;
    private final MessageStore store;
    private final MqttForwarder forwarder;
    private final NotificationPublisher notifications;
    private final RequestDispatcher requests;

    @Activate
    public PahoCloudPublisher(BundleContext context, PahoCloudConfig c) throws Exception {
        settings = toSettings(c, defaultStore(context));
        settings.validate();
        store = new MessageStore(settings.storePath, settings.storeCapacity, settings.storeMaxAgeS * 1000L,
                System::currentTimeMillis);
        KuraPayloadCodec codec = new KuraPayloadCodec();
        forwarder = new MqttForwarder(settings, store, codec);
        notifications = new NotificationPublisher(settings, forwarder);
        requests = new RequestDispatcher(settings, forwarder, codec, notifications, PahoCloudNotificationPublisher.PID);
        forwarder.setInboundHandler(requests::onMessage);
        forwarder.start();
        LOG.info("cloud: publishing to {} as {}/{}/{}, store {}", settings.brokerUri, settings.accountName,
                settings.clientId, settings.appId, settings.storePath);
    }

    static Path defaultStore(BundleContext context) {
        String data = context.getProperty("vigie.data");
        return data != null ? Path.of(data, "cloud", "store") : context.getDataFile("store").toPath();
    }

    /** Maps the typed configuration to the plain settings (tests use this without a framework). */
    public static CloudSettings toSettings(PahoCloudConfig c, Path defaultStore) {
        CloudSettings s = new CloudSettings();
        s.brokerUri = c.broker_uri().trim();
        s.protocol = c.protocol().trim();
        s.clientId = c.client_id().trim();
        s.accountName = c.account_name().trim();
        s.appId = c.app_id().trim();
        s.defaultAppTopic = c.app_topic().trim();
        s.defaultQos = c.qos();
        s.defaultPriority = c.priority();
        s.username = c.username();
        s.password = c.password();
        s.keepAliveS = c.keep_alive_s();
        s.cleanSession = c.clean_session();
        s.tlsCaPath = c.tls_ca_path().trim();
        s.tlsCertPath = c.tls_cert_path().trim();
        s.tlsKeyPath = c.tls_key_path().trim();
        s.storePath = c.store_path().isBlank() ? defaultStore : Path.of(c.store_path().trim());
        s.storeCapacity = c.store_capacity();
        s.storeMaxAgeS = c.store_max_age_s();
        s.rateLimitPerS = c.rate_limit();
        s.maxInflight = c.max_inflight();
        s.gzip = c.gzip();
        s.maxMessageBytes = c.max_message_bytes();
        s.payloadEncoding = c.payload_encoding().trim();
        s.maxRequestBytes = c.max_request_bytes();
        s.requestThreads = c.request_threads();
        s.requestQueueSize = c.request_queue_size();
        return s;
    }

    @Deactivate
    void deactivate() {
        requests.close(); // running handlers get 5 s; their replies still reach the open store
        forwarder.close();
        store.close();
    }

    @Override
    public String publish(KuraMessage message) throws KuraException {
        if (message == null || message.getPayload() == null) {
            throw new KuraException(KuraErrorCode.INVALID_MESSAGE_EXCEPTION, "message or payload is null");
        }
        Map<String, Object> p = message.getProperties();
        try {
            String topic = p.containsKey("topic") ? String.valueOf(p.get("topic")) : settings.defaultAppTopic;
            int qos = NotificationPublisher.intProp(p, "qos", settings.defaultQos);
            int priority = NotificationPublisher.intProp(p, "priority", settings.defaultPriority);
            boolean retain = Boolean.TRUE.equals(p.get("retain"));
            return forwarder.publish(topic, message.getPayload(), qos, retain, priority);
        } catch (IllegalArgumentException e) {
            throw new KuraException(KuraErrorCode.INVALID_MESSAGE_EXCEPTION, e, e.getMessage());
        } catch (MessageStore.StoreException e) {
            throw new KuraException(KuraErrorCode.STORE_ERROR, e, e.getMessage());
        }
    }

    @Override
    public void registerRequestHandler(String id, RequestHandler handler) throws KuraException {
        requests.registerRequestHandler(id, handler);
    }

    @Override
    public void unregister(String id) {
        requests.unregister(id);
    }

    /** For {@link PahoCloudNotificationPublisher} (same bundle). */
    NotificationPublisher notifications() {
        return notifications;
    }

    /** Request counters (received, ok, replied400/404/500, noReplyAddress, oversized, ...), for tests and status. */
    public Map<String, Long> requestCounters() {
        return requests.counters();
    }

    /**
     * The message store's health ({@link MessageStore#status()}): mode file|memory, notice, damaged files moved
     * aside, memory fallbacks and drops; for status pages and telemetry.
     */
    public Map<String, Object> storeStatus() {
        return store.status();
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
